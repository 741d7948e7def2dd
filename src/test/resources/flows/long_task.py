"""A long task printing its progress every second, for Spot interruptions, kills and
cancellation. Parameters: `seconds` (default 600) and `marker`, a file path: the task creates it
when it starts, and a task that finds it there already is resuming interrupted work and takes one
second."""
import os
import time

from prefect import Flow, Parameter, task


@task
def work(seconds, marker):
    if marker and os.path.exists(marker):
        print("resuming interrupted work", flush=True)
        seconds = 1
    elif marker:
        open(marker, "w").close()
    for second in range(1, seconds + 1):
        time.sleep(1)
        print(f"working: {second} of {seconds} seconds", flush=True)
    print("work done", flush=True)


with Flow("long-task") as flow:
    work(Parameter("seconds", default=600), Parameter("marker", default=""))
