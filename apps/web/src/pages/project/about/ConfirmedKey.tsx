import { For, Show } from "solid-js";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { NodeCodeSnippets } from "../../../components/NodeCodeSnippets";
import { When } from "../../../components/When";
import { formatCount, formatDecimal } from "../../../lib/format";
import { trpc } from "../../../lib/trpc";
import { RevealToken } from "./RevealToken";
import type { IssuedKeyInfo } from "./types";

/** The confirmed state of a key tile: the issued key, its fields, usage, token, revoke. */
export function ConfirmedKey(props: { keyInfo: IssuedKeyInfo; templateName: string; onChanged: () => void }) {
  const k = () => props.keyInfo;
  return (
    <div class="stack confirmed-key">
      <dl class="kv small">
        <dt>Issued</dt>
        <dd>
          <When at={k().createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>{k().expiresAt ? <When at={k().expiresAt} /> : "never"}</dd>
        <dt>Token</dt>
        <dd class="mono">{k().tokenStart}…</dd>
        <dt>Usage so far</dt>
        <dd>
          {formatCount(k().usage.requests)} requests · cost{" "}
          <span class="mono">{formatDecimal(k().usage.cost)}</span>
        </dd>
      </dl>
      <Show when={k().fields.length > 0}>
        <div>
          <h4 class="section-label">Information fields</h4>
          <table class="table compact key-fields">
            <tbody>
              <For each={k().fields}>
                {(f) => (
                  <tr>
                    <td class="mono strong" title={f.description}>
                      {f.name}
                    </td>
                    <td class="mono wrap-anywhere">{f.value || <span class="muted">empty</span>}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
      <RevealToken keyId={k().id} />
      <p class="muted small">
        To call this project from your own nodes, import the key in your project under{" "}
        <strong>Secrets → Add API key</strong>, then grant its secrets to a compute node.
      </p>
      <NodeCodeSnippets prefix="server" fields={k().fields} choosePrefix />
      <div class="row end">
        <ConfirmButton
          label="Revoke my key"
          size="sm"
          title="Revoke your key?"
          message={
            <p>
              Your key for <strong>{props.templateName}</strong> stops working at once, also in every project
              you imported it into. You can request a new key afterwards.
            </p>
          }
          confirmLabel="Revoke key"
          onConfirm={async () => {
            await trpc.apiKeys.revoke.mutate({ keyId: k().id });
            props.onChanged();
          }}
        />
      </div>
    </div>
  );
}
