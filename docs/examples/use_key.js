// A compute node's script (runtime "node", entry "main.js") that uses an API key imported into
// this project under the prefix "server": it sends its input package's fields to the service
// project's input node and saves the service's result as this node's output package.
const fs = require("node:fs");
const path = require("node:path");

const api = process.env.RNDFLOW_API_SERVER;
const token = process.env.RNDFLOW_SECRET_SERVER_TOKEN;
const project = process.env.RNDFLOW_SECRET_SERVER_PROJECT;
const input = process.env.RNDFLOW_SECRET_SERVER_INPUT;
const output = process.env.RNDFLOW_SECRET_SERVER_OUTPUT;
let calls = 0;

async function call(method, route, body) {
  calls++;
  const res = await fetch(`${api}/api/projects/${project}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${data.detail}`);
  return data;
}

async function main() {
  // the job's input package: in/<package id>/fields.json
  const packageDir = fs.readdirSync("in").find((name) => name !== "params.json");
  const fields = JSON.parse(fs.readFileSync(path.join("in", packageDir, "fields.json"), "utf8"));

  // a key always works in its own personal data layer of the service project
  const layer = await call("GET", "/data_layers/last");
  const sent = await call("POST", `/nodes/${input}/packages?data_layer_id=${layer.id}`, {
    label: "request",
    fields,
  });

  // the service's result carries the same master_id as the package we sent
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const found = await call(
      "POST",
      `/nodes/${output}/packages/search?data_layer_id=${layer.id}&page_size=1`,
      {
        master_id: sent.id,
      },
    );
    if (found.total > 0) {
      const result = Object.fromEntries(found.items[0].fields.map((f) => [f.name, f.value]));
      fs.mkdirSync(path.join("out", "1"), { recursive: true });
      fs.writeFileSync(path.join("out", "1", "label"), "result");
      fs.writeFileSync(path.join("out", "1", "fields.json"), JSON.stringify(result));
      console.log(`result ${JSON.stringify(result)} after ${calls} API calls`);
      return;
    }
    if (Date.now() > deadline) throw new Error("no result from the service within 5 minutes");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

main().catch((err) => {
  console.error(`${err.message} (after ${calls} API calls)`);
  process.exit(1);
});
