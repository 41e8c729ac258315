# The same node script with the RnDFlow client (rndflow-job-py, installed on the worker machine):
# ServerProxy.get_server("server") reads the secrets server_token, server_project, server_input
# and server_output that importing the key under the prefix "server" created.
from rndflow import job
from rndflow.server import ServerProxy

server = ServerProxy.get_server("server")  # the API address comes from RNDFLOW_API_SERVER
layer = server.get_last_datalayer()  # the key's personal layer of the service project
fields = job.packages()[0].fields  # the job's input package
sent = server.post_package(layer, {"label": "request", "fields": fields})
ident, result = server.wait_one_result(layer, sent, retry_pause=1)
job.save_package(label="result", fields={f["name"]: f["value"] for f in result})
print(f"result {result} from package {ident}")
