import { MAX_ACCESS_TOKEN_NAME } from "@keyflow/schemas";
import { createResource, createSignal, For, onMount, Show } from "solid-js";
import { Button } from "../../components/Button";
import { ConfirmButton } from "../../components/ConfirmButton";
import { CopyStatus } from "../../components/CopyStatus";
import { ErrorBox } from "../../components/ErrorBox";
import { SelectField, TextField } from "../../components/Field";
import { Icon } from "../../components/Icon";
import { Loading } from "../../components/Loading";
import { When } from "../../components/When";
import { createAction } from "../../lib/action";
import { createCopy } from "../../lib/clipboard";
import { errorMessage, type RouterOutputs, trpc } from "../../lib/trpc";

type AccessToken = RouterOutputs["auth"]["listAccessTokens"][number];

const EXPIRY_OPTIONS = [
  { value: "", label: "Never" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In a year" },
];

/** The new token, shown this once, with copy; the server keeps only its hash. */
function NewToken(props: { name: string; token: string; onDone: () => void }) {
  const clip = createCopy(() => props.token);
  let copyButton: HTMLButtonElement | undefined;
  // the form that had focus is gone: the next thing to do is copying
  onMount(() => copyButton?.focus());
  return (
    <section class="stack" aria-label="New access token">
      <div class="success-box">Token “{props.name}” created. Copy it now: it is shown only this once.</div>
      <code class="token-box" data-testid="new-access-token">
        {props.token}
      </code>
      <div class="row">
        <Button size="sm" onClick={clip.copy} ref={(el: HTMLButtonElement) => (copyButton = el)}>
          <Icon name="copy" size={15} /> Copy to clipboard
        </Button>
        <Button size="sm" variant="ghost" onClick={() => props.onDone()}>
          Done
        </Button>
        <CopyStatus state={clip.copied()} what="token" />
      </div>
    </section>
  );
}

function TokenRow(props: { token: AccessToken; onRevoked: () => void }) {
  const t = () => props.token;
  return (
    <li class="row" data-testid="access-token">
      <div class="grow">
        <div class="row gap-xs">
          <span class="strong">{t().name}</span>
          <Show when={t().state !== "active"}>
            <span class={`badge ${t().state === "revoked" ? "badge-red" : "badge-grey"}`}>{t().state}</span>
          </Show>
        </div>
        <div class="muted small">
          <code>{t().tokenStart}…</code> · created <When at={t().createdAt} /> · last used{" "}
          <Show when={t().lastUsedAt} fallback="never">
            {(at) => <When at={at()} />}
          </Show>
          <Show when={t().state === "active" && t().expiresAt}>
            {(at) => (
              <>
                {" "}
                · expires <When at={at()} />
              </>
            )}
          </Show>
          <Show when={t().revokedAt}>
            {(at) => (
              <>
                {" "}
                · revoked <When at={at()} />
              </>
            )}
          </Show>
        </div>
      </div>
      <Show when={t().state === "active"}>
        <ConfirmButton
          size="sm"
          label="Revoke"
          aria-label={`Revoke ${t().name}`}
          title={`Revoke “${t().name}”?`}
          message={<p>Tools using this token are refused from their next call. This cannot be undone.</p>}
          confirmLabel="Revoke token"
          onConfirm={async () => {
            await trpc.auth.revokeAccessToken.mutate({ id: t().id });
            props.onRevoked();
          }}
        />
      </Show>
    </li>
  );
}

/** Personal access tokens (SPEC §14): for the `keyflow` CLI and other internal tools on /trpc. */
export function AccessTokens() {
  const [tokens, { refetch }] = createResource(() => trpc.auth.listAccessTokens.query());
  const [name, setName] = createSignal("");
  const [expiry, setExpiry] = createSignal("");
  const [created, setCreated] = createSignal<{ name: string; token: string } | null>(null);
  const create = createAction(async () => {
    const r = await trpc.auth.createAccessToken.mutate({
      name: name(),
      expiresInDays: expiry() ? Number(expiry()) : null,
    });
    setCreated({ name: name().trim(), token: r.token });
    setName("");
    setExpiry("");
    await refetch();
    return r;
  });
  return (
    <section class="card narrow" aria-labelledby="access-tokens-title">
      <h2 id="access-tokens-title" class="card-title">
        Personal access tokens
      </h2>
      <p class="muted">
        For internal tools such as the <code>keyflow</code> command-line tool: a token acts as you on every
        call except managing tokens and your password. Keep it secret.
      </p>
      <Show
        when={created()}
        fallback={
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              create.run();
            }}
          >
            <TextField
              label="Token name"
              name="access-token-name"
              hint="What it is for, e.g. “release script”."
              maxLength={MAX_ACCESS_TOKEN_NAME}
              required
              value={name()}
              onInput={setName}
            />
            <SelectField label="Expires" value={expiry()} options={EXPIRY_OPTIONS} onChange={setExpiry} />
            <ErrorBox error={create.error()} />
            <div class="row end">
              <Button type="submit" variant="primary" pending={create.pending()}>
                Create token
              </Button>
            </div>
          </form>
        }
      >
        {(c) => <NewToken name={c().name} token={c().token} onDone={() => setCreated(null)} />}
      </Show>
      <Show when={!tokens.error} fallback={<ErrorBox error={errorMessage(tokens.error)} />}>
        <Show when={tokens()} fallback={<Loading />}>
          {(list) => (
            <Show when={list().length > 0} fallback={<p class="muted small">No access tokens yet.</p>}>
              <ul class="plain stack" aria-label="Your access tokens">
                <For each={list()}>{(t) => <TokenRow token={t} onRevoked={() => refetch()} />}</For>
              </ul>
            </Show>
          )}
        </Show>
      </Show>
    </section>
  );
}
