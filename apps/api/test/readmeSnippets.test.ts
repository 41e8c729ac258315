import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const examples = path.join(root, "docs/examples");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

/** Each README code block introduced by "… from `docs/examples/<file>`:", with that file's name. */
function readmeSnippets(): { file: string; code: string }[] {
  const block = /from\s+`docs\/examples\/([\w.-]+)`:\s*\n\s*\n```\w*\n([\s\S]*?)^```$/gm;
  return [...readme.matchAll(block)].map((m) => ({ file: m[1]!, code: m[2]! }));
}

test("the README's node-code snippets are the files in docs/examples, byte for byte", () => {
  const snippets = readmeSnippets();
  expect(snippets.map((s) => s.file).sort()).toEqual(["use_key.js", "use_key.py", "use_key_rndflow.py"]);
  for (const s of snippets)
    expect(s.code, `README block from docs/examples/${s.file}`).toBe(
      fs.readFileSync(path.join(examples, s.file), "utf8"),
    );
  // the JavaScript example logs its result, so a successful job's log is never "(no output)"
  expect(snippets.find((s) => s.file === "use_key.js")!.code).toMatch(/console\.log\(`result /);
});

test("every example parses (the RnDFlow one cannot run here: the client is not installed)", () => {
  execFileSync(process.execPath, ["--check", path.join(examples, "use_key.js")]);
  for (const file of ["use_key.py", "use_key_rndflow.py", "double.py"])
    execFileSync("python3", [
      "-c",
      "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])",
      path.join(examples, file),
    ]);
});
