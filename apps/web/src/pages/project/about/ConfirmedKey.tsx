import { createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ExpiresSoon } from "../../../components/ExpiresSoon";
import { Icon } from "../../../components/Icon";
import { NodeCodeSnippets } from "../../../components/NodeCodeSnippets";
import { When } from "../../../components/When";
import { formatCount, formatDecimal } from "../../../lib/format";
import { trpc } from "../../../lib/trpc";
import { RollDialog } from "../../myKeys/RollDialog";
import { RevealToken } from "./RevealToken";
import type { IssuedKeyInfo } from "./types";

/** The confirmed state of a key tile: the issued key, its fields, usage, token, roll (when `rollable`), revoke. */
export function ConfirmedKey(props: {
  keyInfo: IssuedKeyInfo;
  templateName: string;
  projectName: string;
  rollable?: boolean;
  onChanged: () => void;
}) {
  const k = () => props.keyInfo;
  const [rolling, setRolling] = createSignal(false);
  // the tiles are refetched (and this tile recreated) only once the dialog showing the new token closes
  let rolled = false;
  return (
    <div class="stack confirmed-key">
      <dl class="kv small">
        <dt>Issued</dt>
        <dd>
          <When at={k().createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd class="key-expiry">
          {k().expiresAt ? <When at={k().expiresAt} /> : "never"} <ExpiresSoon at={k().expiresAt} />
        </dd>
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
      {/* a new token (after a roll) gets a fresh RevealToken: the old token never stays on screen */}
      <Show when={k().tokenStart} keyed>
        <RevealToken keyId={k().id} />
      </Show>
      <p class="muted small">
        To call this project from your own nodes, import the key in your project under{" "}
        <strong>Secrets → Add API key</strong>, then grant its secrets to a compute node.
      </p>
      <NodeCodeSnippets prefix="server" fields={k().fields} choosePrefix />
      <div class="row end">
        <Show when={props.rollable}>
          <Button size="sm" onClick={() => setRolling(true)}>
            <Icon name="refresh" size={15} /> Roll key…
          </Button>
        </Show>
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
      <RollDialog
        keyInfo={
          rolling() ? { id: k().id, templateName: props.templateName, projectName: props.projectName } : null
        }
        onRolled={() => {
          rolled = true;
        }}
        onClose={() => {
          setRolling(false);
          if (rolled) props.onChanged();
          rolled = false;
        }}
      />
    </div>
  );
}
