"""The task fails on its first run and retries in 15 minutes, more than the 10 minutes the flow
runner waits in-process: the first process exits 0 leaving the run Running and the task run
Retrying. Its retry (task_run_count 2, in a later process) succeeds."""
from datetime import timedelta

import prefect
from prefect import Flow, task


@task(max_retries=1, retry_delay=timedelta(minutes=15))
def flaky():
    attempt = prefect.context.get("task_run_count")
    print(f"flaky attempt {attempt}", flush=True)
    if attempt == 1:
        raise RuntimeError("the first attempt fails; the retry is due in 15 minutes")
    print("flaky succeeded", flush=True)


with Flow("retry-later") as flow:
    flaky()
