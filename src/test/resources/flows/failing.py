"""A task raises: the run ends Failed, and the flow process still exits 0."""
from prefect import Flow, task


@task
def fail():
    print("about to fail", flush=True)
    raise ValueError("this task fails on purpose")


with Flow("failing") as flow:
    fail()
