# A compute node's script (runtime "python", entry "main.py") that uses an API key imported into
# this project under the prefix "server": it sends its input package's fields to the service
# project's input node and saves the service's result as this node's output package.
import json
import os
import sys
import time
import urllib.error
import urllib.request

API = os.environ["RNDFLOW_API_SERVER"]
TOKEN = os.environ["RNDFLOW_SECRET_SERVER_TOKEN"]
PROJECT = os.environ["RNDFLOW_SECRET_SERVER_PROJECT"]
INPUT = os.environ["RNDFLOW_SECRET_SERVER_INPUT"]
OUTPUT = os.environ["RNDFLOW_SECRET_SERVER_OUTPUT"]
calls = 0


def call(method, route, body=None):
    global calls
    calls += 1
    request = urllib.request.Request(
        f"{API}/api/projects/{PROJECT}{route}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        detail = json.load(error).get("detail")
        sys.exit(f"{method} {route}: {error.code} {detail} (after {calls} API calls)")


# the job's input package: in/<package id>/fields.json
package_dir = next(name for name in os.listdir("in") if name != "params.json")
with open(os.path.join("in", package_dir, "fields.json")) as f:
    fields = json.load(f)

# a key always works in its own personal data layer of the service project
layer = call("GET", "/data_layers/last")
sent = call("POST", f"/nodes/{INPUT}/packages?data_layer_id={layer['id']}", {"label": "request", "fields": fields})

# the service's result carries the same master_id as the package we sent
deadline = time.time() + 5 * 60
while True:
    found = call("POST", f"/nodes/{OUTPUT}/packages/search?data_layer_id={layer['id']}&page_size=1", {"master_id": sent["id"]})
    if found["total"] > 0:
        result = {f["name"]: f["value"] for f in found["items"][0]["fields"]}
        os.makedirs(os.path.join("out", "1"), exist_ok=True)
        with open(os.path.join("out", "1", "label"), "w") as f:
            f.write("result")
        with open(os.path.join("out", "1", "fields.json"), "w") as f:
            json.dump(result, f)
        print(f"result {json.dumps(result)} after {calls} API calls")
        break
    if time.time() > deadline:
        sys.exit("no result from the service within 5 minutes")
    time.sleep(0.5)
