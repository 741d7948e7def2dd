"""A manual-approval step: deploy has the manual_only trigger, so the first process pauses it
(Paused, start time 10 years ahead) and exits 0 with the run Running. Once someone writes Resume
for its task run, a later process runs it and the flow succeeds."""
from prefect import Flow, task
from prefect.triggers import manual_only


@task
def prepare():
    print("prepared", flush=True)


@task(trigger=manual_only)
def deploy():
    print("deployed after approval", flush=True)


with Flow("approval") as flow:
    deploy(upstream_tasks=[prepare()])
