import { importPrefixProblem, secretEnvName } from "@keyflow/schemas";
import { createMemo, createSignal, Show } from "solid-js";
// the very files of docs/examples that the README shows and the end-to-end test runs
import jsTemplate from "../../../../docs/examples/use_key.js?raw";
import pythonTemplate from "../../../../docs/examples/use_key.py?raw";
import rndflowTemplate from "../../../../docs/examples/use_key_rndflow.py?raw";
import { createCopy } from "../lib/clipboard";
import { ErrorBox } from "./ErrorBox";
import { TextField } from "./Field";
import { Icon } from "./Icon";
import { Tabs } from "./Tabs";

/** The prefix the templates in docs/examples are written for. */
const TEMPLATE_PREFIX = "server";

export interface SnippetInput {
  /** The prefix the key is (or will be) imported under. */
  prefix: string;
  /** The key's information fields (the service's project and node ids): shown beside the code. */
  fields: { name: string; value?: string }[];
  /** This server's address, as node jobs see it in RNDFLOW_API_SERVER. */
  origin: string;
}

export interface Snippet {
  id: "rndflow" | "python" | "js";
  label: string;
  runtime: string;
  entry: string;
  code: string;
}

/** A template with the prefix put in, and a header naming the address, the API reference and the ids. */
function fill(template: string, input: SnippetInput, comment: "#" | "//"): string {
  const p = input.prefix;
  const code = template
    .replaceAll(secretEnvName(`${TEMPLATE_PREFIX}_`), secretEnvName(`${p}_`))
    .replaceAll(`get_server("${TEMPLATE_PREFIX}")`, `get_server("${p}")`)
    .replaceAll(`prefix "${TEMPLATE_PREFIX}"`, `prefix "${p}"`)
    .replace(/\bserver_(token|project|input|output)\b/g, `${p}_$1`);
  const values = input.fields.map((f) =>
    f.value === undefined ? `${p}_${f.name}` : `${p}_${f.name} = ${f.value || "(empty)"}`,
  );
  const header = [
    `Keyflow at ${input.origin} (node jobs get it as RNDFLOW_API_SERVER); API reference: ${input.origin}/api/docs`,
    `Secrets of the key: ${p}_token (write-only)${values.length > 0 ? `, ${values.join(", ")}` : ""}`,
  ];
  return `${header.map((line) => `${comment} ${line}`).join("\n")}\n${code}`;
}

/** The node-code snippets for a key imported under `prefix`, filled in (pure: the tests call it too). */
export function nodeCodeSnippets(input: SnippetInput): Snippet[] {
  return [
    {
      id: "rndflow",
      label: "Python (RnDFlow)",
      runtime: "python",
      entry: "main.py",
      code: fill(rndflowTemplate, input, "#"),
    },
    {
      id: "python",
      label: "Python",
      runtime: "python",
      entry: "main.py",
      code: fill(pythonTemplate, input, "#"),
    },
    { id: "js", label: "JavaScript", runtime: "node", entry: "main.js", code: fill(jsTemplate, input, "//") },
  ];
}

function CodeBlock(props: { snippet: Snippet }) {
  const { copy, copied } = createCopy(() => props.snippet.code);
  return (
    <div class="node-code-block">
      <div class="row between node-code-meta">
        <span class="muted small">
          runtime <code>{props.snippet.runtime}</code>, entry <code>{props.snippet.entry}</code>
        </span>
        <button type="button" class="btn btn-ghost btn-sm" onClick={() => void copy()}>
          <Icon name={copied() === "yes" ? "check" : "copy"} size={15} />
          {copied() === "yes" ? "Copied" : copied() === "failed" ? "Select and copy" : "Copy"}
        </button>
      </div>
      <pre class="node-code-pre" data-testid={`snippet-${props.snippet.id}`}>
        <code>{props.snippet.code}</code>
      </pre>
    </div>
  );
}

/**
 * "Use this key from node code": the scripts of docs/examples for a key imported under a prefix,
 * filled in with that prefix, the key's project and node ids and this server's address, with a
 * link to the API reference. With `choosePrefix`, the prefix is an input (for a key not imported yet).
 */
export function NodeCodeSnippets(props: {
  prefix: string;
  fields: { name: string; value?: string }[];
  /** Lets the reader type the prefix they will import the key under. */
  choosePrefix?: boolean;
  /** Open at first. */
  open?: boolean;
}) {
  const [typed, setTyped] = createSignal<string | null>(null);
  const prefix = () => typed() ?? props.prefix;
  const problem = () => (props.choosePrefix ? importPrefixProblem(prefix()) : null);
  const [tab, setTab] = createSignal<Snippet["id"]>("rndflow");
  const snippets = createMemo(() =>
    nodeCodeSnippets({
      prefix: problem() ? props.prefix : prefix(),
      fields: props.fields,
      origin: window.location.origin,
    }),
  );
  return (
    <details class="node-code" open={props.open}>
      <summary>
        <Icon name="chevronDown" size={16} /> Use this key from node code
      </summary>
      <div class="stack node-code-body">
        <p class="small">
          Give a compute node that can read the secrets <code>{prefix()}_*</code> one of these scripts as its
          entry file: it sends the package it gets to the service and saves the service's answer as its own
          output. Routes and fields:{" "}
          <a href="/api/docs" target="_blank" rel="noopener">
            API reference (/api/docs)
          </a>
          .
        </p>
        <Show when={props.choosePrefix}>
          <div class="node-code-prefix">
            <TextField
              label="Prefix you import the key under"
              class={`input mono ${problem() ? "invalid" : ""}`}
              spellcheck={false}
              autocomplete="off"
              value={prefix()}
              onInput={(v) => setTyped(v.trim())}
              aria-invalid={problem() ? "true" : undefined}
            />
            <Show when={problem()}>{(p) => <ErrorBox error={p()} />}</Show>
          </div>
        </Show>
        <Tabs
          label="Language"
          value={tab()}
          onChange={(v) => setTab(v as Snippet["id"])}
          tabs={snippets().map((s) => ({
            value: s.id,
            label: s.label,
            content: () => <CodeBlock snippet={s} />,
          }))}
        />
        <Show when={tab() === "rndflow"}>
          <p class="muted small">
            The RnDFlow client (<code>rndflow-job-py</code>) must be installed on the worker machine; the
            other two scripts need nothing beyond their runtime.
          </p>
        </Show>
      </div>
    </details>
  );
}
