import { createSignal, onCleanup, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { trpc } from "../../../lib/trpc";

/** Shows the holder's token on demand (audited on the server), with copy and hide. */
export function RevealToken(props: { keyId: number }) {
  const [token, setToken] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal<"yes" | "failed" | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const reveal = createAction(async () => {
    const r = await trpc.apiKeys.reveal.mutate({ keyId: props.keyId });
    setToken(r.token);
    return r;
  });
  const copy = async (value: string) => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
    clearTimeout(timer);
    timer = setTimeout(() => setCopied(null), 2500);
  };
  return (
    <div class="stack reveal-token">
      <Show
        when={token()}
        fallback={
          <div class="row">
            <Button size="sm" pending={reveal.pending()} onClick={() => reveal.run()}>
              <Icon name="key" size={15} /> Reveal token
            </Button>
            <span class="muted small">Keep it secret: it acts as you on this project's API.</span>
          </div>
        }
      >
        {(value) => (
          <>
            <code class="token-box" data-testid="api-token">
              {value()}
            </code>
            <div class="row">
              <Button size="sm" onClick={() => copy(value())}>
                <Icon name="copy" size={15} /> Copy to clipboard
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setToken(null)}>
                Hide
              </Button>
              <Show when={copied() === "yes"}>
                <span class="saved-note" role="status">
                  <Icon name="check" size={16} /> Copied
                </span>
              </Show>
              <Show when={copied() === "failed"}>
                <span class="small text-danger" role="status">
                  The browser refused the clipboard: select the token and copy it by hand.
                </span>
              </Show>
            </div>
          </>
        )}
      </Show>
      <ErrorBox error={reveal.error()} />
    </div>
  );
}
