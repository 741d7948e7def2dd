"""Registers fine but cannot be loaded by the flow runner: it imports a module the flow's image
lacks (here: any module, while the runner loads the flow). `prefect execute flow-run` then writes
Failed("Failed to load and execute Flow's environment: ModuleNotFoundError(...)") and exits 1."""
import prefect
from prefect import Flow, task

if prefect.context.get("loading_flow"):
    import module_missing_in_the_flow_image  # noqa: F401


@task
def never_runs():
    print("never printed", flush=True)


with Flow("broken") as flow:
    never_runs()
