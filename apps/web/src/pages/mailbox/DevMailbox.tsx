import { createMemo, createResource, createSignal, For, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { Loading } from "../../components/Loading";
import { PageHeader } from "../../components/PageHeader";
import { When } from "../../components/When";
import { usePageTitle } from "../../lib/title";
import { errorMessage, type RouterOutputs, trpc } from "../../lib/trpc";

type Message = RouterOutputs["devMailbox"]["list"]["messages"][number];

/** The HTML body runs in a sandbox without scripts or same-origin access; its links open in a new tab. */
function htmlDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><base target="_blank"><style>body{font-family:system-ui,sans-serif;margin:16px;color:#1f2330}</style></head><body>${html}</body></html>`;
}

function MessageView(props: { message: Message }) {
  return (
    <article class="card mail-view">
      <h2 class="mail-subject">{props.message.subject || "(no subject)"}</h2>
      <dl class="mail-meta">
        <dt>From</dt>
        <dd>{props.message.from}</dd>
        <dt>To</dt>
        <dd>{props.message.to.join(", ")}</dd>
        <dt>Received</dt>
        <dd>
          <When at={props.message.receivedAt} />
        </dd>
      </dl>
      <Show when={props.message.html}>
        <h3 class="section-label">HTML</h3>
        <iframe
          class="mail-frame"
          title={`HTML body of ${props.message.subject}`}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          srcdoc={htmlDocument(props.message.html)}
        />
      </Show>
      <h3 class="section-label">Text</h3>
      <pre class="mail-text">{props.message.text || "(empty)"}</pre>
    </article>
  );
}

export default function DevMailbox() {
  const [mail, { refetch }] = createResource(() => trpc.devMailbox.list.query());
  const [selectedId, setSelectedId] = createSignal<number | null>(null);
  const messages = () => (mail.error ? [] : (mail.latest?.messages ?? []));
  const selected = createMemo(() => messages().find((m) => m.id === selectedId()) ?? messages()[0]);
  usePageTitle("Dev mailbox");
  return (
    <div class="page">
      <PageHeader
        title="Dev mailbox"
        subtitle={
          <Show when={mail.latest} fallback="Mail caught by the local SMTP capture.">
            {(d) =>
              d().open
                ? "Every message caught by the local SMTP capture (development mode)."
                : "Messages caught by the local SMTP capture that were addressed to you."
            }
          </Show>
        }
        actions={
          <Button size="sm" onClick={() => refetch()} pending={mail.loading}>
            Refresh
          </Button>
        }
      />
      <ErrorBox error={mail.error ? errorMessage(mail.error) : null} />
      <Show when={mail.latest} fallback={<Show when={!mail.error}>{<Loading />}</Show>}>
        <Show when={messages().length > 0} fallback={<div class="empty">No mail yet.</div>}>
          <div class="mailbox">
            <ul class="mail-list card flush">
              <For each={messages()}>
                {(m) => (
                  <li>
                    <button
                      type="button"
                      class={`mail-item ${selected()?.id === m.id ? "active" : ""}`}
                      onClick={() => setSelectedId(m.id)}
                    >
                      <span class="mail-item-subject">{m.subject || "(no subject)"}</span>
                      <span class="mail-item-meta">
                        to {m.to.join(", ")} · <When at={m.receivedAt} />
                      </span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <Show when={selected()}>{(m) => <MessageView message={m()} />}</Show>
          </div>
        </Show>
      </Show>
    </div>
  );
}
