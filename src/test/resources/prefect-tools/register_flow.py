"""Registers flow files with a Prefect API the way users do, and optionally creates a run of each.

Run it with the python of a Prefect 0.15 virtual environment and the API in the environment
(PREFECT__BACKEND=server, PREFECT__SERVER__ENDPOINT=http://127.0.0.1:4200). Each flow gets the
storage `prefect register --path` gives a flow without one, Local(path=<file>,
stored_as_script=True), without the default hostname label, so its runs carry exactly --label.
The last line printed is JSON: {"project_id": ..., "flows": [{"file", "flow_id", "flow_name",
"flow_run_id"}, ...]}.
"""
import argparse
import json
import os

import prefect
from prefect import Client
from prefect.storage import Local
from prefect.utilities.storage import extract_flow_from_file


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", action="append", required=True, help="a flow's .py file")
    parser.add_argument("--project", default="tests", help="created when missing")
    parser.add_argument("--label", action="append", default=[], help="a flow label (repeat)")
    parser.add_argument("--run-config", help="a class of prefect.run_configs, e.g. ECSRun")
    parser.add_argument("--run-config-kwargs", default="{}", help="its JSON keyword arguments")
    parser.add_argument("--create-run", action="store_true", help="also create a run of each")
    parser.add_argument("--parameters", default=None, help="JSON parameters of the runs")
    args = parser.parse_args()

    client = Client()
    project_id = client.create_project(project_name=args.project)
    flows = []
    for file in args.file:
        path = os.path.abspath(file)
        flow = extract_flow_from_file(file_path=path)
        flow.storage = Local(path=path, stored_as_script=True, add_default_labels=False)
        if args.run_config:
            run_config_class = getattr(prefect.run_configs, args.run_config)
            flow.run_config = run_config_class(**json.loads(args.run_config_kwargs))
        flow_id = flow.register(project_name=args.project, labels=args.label)
        flow_run_id = None
        if args.create_run:
            flow_run_id = client.create_flow_run(
                flow_id=flow_id,
                parameters=json.loads(args.parameters) if args.parameters else None,
            )
        flows.append(
            {
                "file": path,
                "flow_id": flow_id,
                "flow_name": flow.name,
                "flow_run_id": flow_run_id,
            }
        )
    print(json.dumps({"project_id": project_id, "flows": flows}))


if __name__ == "__main__":
    main()
