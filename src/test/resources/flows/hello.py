"""Succeeds. Its task prints two lines and logs one through Prefect's logger."""
import prefect
from prefect import Flow, task


@task
def say_hello():
    print("hello from the hello flow", flush=True)
    prefect.context.get("logger").info("a line from prefect.context.logger")
    print("goodbye from the hello flow", flush=True)


with Flow("hello") as flow:
    say_hello()
