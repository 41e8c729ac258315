# The service's compute node in the examples: doubles the number field "x".
import json
import os

package_dir = next(name for name in os.listdir("in") if name != "params.json")
with open(os.path.join("in", package_dir, "fields.json")) as f:
    fields = json.load(f)
fields["x"] = fields["x"] * 2
os.makedirs(os.path.join("out", "1"), exist_ok=True)
with open(os.path.join("out", "1", "label"), "w") as f:
    f.write("doubled")
with open(os.path.join("out", "1", "fields.json"), "w") as f:
    json.dump(fields, f)
