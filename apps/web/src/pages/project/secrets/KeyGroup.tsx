import { createSignal, type JSX, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { Dialog } from "../../../components/Dialog";
import { ErrorBox } from "../../../components/ErrorBox";
import { ExpiresSoon } from "../../../components/ExpiresSoon";
import { Icon } from "../../../components/Icon";
import { NodeCodeSnippets } from "../../../components/NodeCodeSnippets";
import { NodeSearchList } from "../../../components/NodeSearchList";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";
import type { GraphNode, MyKey, Secret } from "./types";

/** The secrets one import of an API key created: `<prefix>_token` and `<prefix>_<field>`. */
export interface KeyGroupInfo {
  keyId: number;
  prefix: string;
  secrets: Secret[];
}

/** The import prefix of an imported secret, or null when it was renamed since (or is not imported). */
export function importPrefixOf(s: Secret): string | null {
  if (s.sourceKeyId === null || s.sourceField === null) return null;
  const suffix = `_${s.sourceField}`;
  return s.name.endsWith(suffix) && s.name.length > suffix.length ? s.name.slice(0, -suffix.length) : null;
}

/** Imported secrets by (key, prefix), in the list's order; the rest stay ordinary secrets. */
export function groupByImport(list: Secret[]): { groups: KeyGroupInfo[]; others: Secret[] } {
  const groups = new Map<string, KeyGroupInfo>();
  const others: Secret[] = [];
  for (const s of list) {
    const prefix = importPrefixOf(s);
    if (prefix === null || s.sourceKeyId === null) {
      others.push(s);
      continue;
    }
    const id = `${s.sourceKeyId}:${prefix.toLowerCase()}`;
    const g = groups.get(id) ?? { keyId: s.sourceKeyId, prefix, secrets: [] };
    g.secrets.push(s);
    groups.set(id, g);
  }
  return { groups: [...groups.values()], others };
}

function GrantDialog(props: {
  group: KeyGroupInfo;
  nodes: GraphNode[];
  open: boolean;
  onOpenChange: (v: boolean) => void;
  pending: boolean;
  error: string | null;
  onPick: (nodeId: number) => void;
}) {
  const compute = () => props.nodes.filter((n) => n.kind === "compute");
  const hasAll = (id: number) => props.group.secrets.every((s) => s.nodeIds.includes(id));
  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={`Grant ${props.group.prefix}_* to a node`}
      description={`The node you pick can read all ${props.group.secrets.length} secrets of this key in its jobs. Nodes that can read them already are ticked.`}
    >
      <div class="stack">
        <NodeSearchList
          nodes={compute()}
          selected={hasAll}
          disabled={props.pending}
          onClick={(id) => props.onPick(id)}
        />
        <Show when={compute().length === 0 && props.nodes.length > 0}>
          <p class="muted small">Only compute nodes run jobs; this project has none yet.</p>
        </Show>
        <ErrorBox error={props.error} />
      </div>
    </Dialog>
  );
}

/**
 * One imported API key in Secrets: where it came from, "Grant to node…" (all its secrets in one
 * step), "Use this key from node code", and the panels of its secrets.
 */
export function KeyGroup(props: {
  group: KeyGroupInfo;
  keys: MyKey[];
  nodes: GraphNode[];
  manage: boolean;
  onChanged: (secrets: Secret[]) => void;
  children: JSX.Element;
}) {
  const g = () => props.group;
  const key = () => props.keys.find((k) => k.id === g().keyId);
  const state = () => g().secrets[0]?.sourceKeyState ?? "revoked";
  const [picking, setPicking] = createSignal(false);
  const [done, setDone] = createSignal<string | null>(null);
  const grant = createAction(async (nodeId: number) => {
    const updated = await trpc.secrets.grantKeyToNode.mutate({
      projectId: g().secrets[0]!.projectId,
      keyId: g().keyId,
      prefix: g().prefix,
      nodeId,
    });
    props.onChanged(updated);
    return updated;
  });
  const nodeName = (id: number) => props.nodes.find((n) => n.id === id)?.name ?? `node #${id}`;
  // the snippet lists the key's fields with their values when the key is the caller's, else by name
  const fields = () =>
    key()?.fields ??
    g()
      .secrets.filter((s) => s.sourceField !== "token")
      .map((s) => ({ name: s.sourceField ?? s.name }));
  return (
    <section
      class="card key-group"
      id={`key-${g().keyId}-${g().prefix}`}
      aria-label={`API key ${g().prefix}_*`}
    >
      <header class="key-group-head">
        <div class="key-group-title">
          <Icon name="key" size={18} />
          <div>
            <h2 class="mono">{g().prefix}_*</h2>
            <p class="muted small">
              {key() ? (
                <>
                  API key <strong>{key()!.templateName}</strong> of {key()!.projectName}
                </>
              ) : (
                <>API key #{g().keyId}</>
              )}{" "}
              · {g().secrets.length} secret{g().secrets.length === 1 ? "" : "s"}
            </p>
          </div>
          <Show when={state() !== "active"}>
            <span class="badge badge-red">{state()}</span>
          </Show>
          <Show when={state() === "active" || state() === "suspended"}>
            <ExpiresSoon at={g().secrets[0]?.sourceKeyExpiresAt} />
          </Show>
        </div>
        <Show when={props.manage}>
          <Button
            size="sm"
            onClick={() => {
              grant.clearError();
              setDone(null);
              setPicking(true);
            }}
          >
            <Icon name="plus" size={15} /> Grant to node…
          </Button>
        </Show>
      </header>
      <Show when={done()}>
        {(text) => (
          <div class="success-box" role="status">
            {text()}
          </div>
        )}
      </Show>
      <Show when={state() === "active"}>
        <NodeCodeSnippets prefix={g().prefix} fields={fields()} />
      </Show>
      <div class="stack key-group-secrets">{props.children}</div>
      <GrantDialog
        group={g()}
        nodes={props.nodes}
        open={picking()}
        onOpenChange={setPicking}
        pending={grant.pending()}
        error={grant.error()}
        onPick={async (nodeId) => {
          const updated = await grant.run(nodeId);
          if (!updated) return;
          setPicking(false);
          setDone(
            `${nodeName(nodeId)} can now read ${updated.map((s) => s.name).join(", ")} (${updated.length} secrets).`,
          );
        }}
      />
    </section>
  );
}
