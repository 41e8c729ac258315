import { createSignal, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { CopyStatus } from "../../../components/CopyStatus";
import { ErrorBox } from "../../../components/ErrorBox";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { createCopy } from "../../../lib/clipboard";
import { trpc } from "../../../lib/trpc";

/** Shows the holder's token on demand (audited on the server), with copy and hide. */
export function RevealToken(props: { keyId: number }) {
  const [token, setToken] = createSignal<string | null>(null);
  const clip = createCopy(() => token() ?? "");
  const reveal = createAction(async () => {
    const r = await trpc.apiKeys.reveal.mutate({ keyId: props.keyId });
    setToken(r.token);
    return r;
  });
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
              <Button size="sm" onClick={clip.copy}>
                <Icon name="copy" size={15} /> Copy to clipboard
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setToken(null)}>
                Hide
              </Button>
              <CopyStatus state={clip.copied()} what="token" />
            </div>
          </>
        )}
      </Show>
      <ErrorBox error={reveal.error()} />
    </div>
  );
}
