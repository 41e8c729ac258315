import { MAX_KEY_TTL_DAYS, MAX_TEMPLATE_NAME, type RequestQuestion } from "@keyflow/schemas";
import { createEffect, createSignal, For, on, Show, useContext } from "solid-js";
import { Button } from "../../../components/Button";
import { ConfirmButton } from "../../../components/ConfirmButton";
import { ErrorBox } from "../../../components/ErrorBox";
import { CheckboxField, SelectField, TextAreaField, TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";
import { createAction } from "../../../lib/action";
import { formatDecimal } from "../../../lib/format";
import { type RouterInputs, trpc } from "../../../lib/trpc";
import { TemplateFields } from "./TemplateFields";
import { type QuotaPeriod, type RateLimitMode, TemplateMetering } from "./TemplateMetering";
import { type Approval, TemplatePolicy } from "./TemplatePolicy";
import type { GraphNode, Role, Template } from "./types";
import { UnsavedContext, useUnsaved } from "./unsaved";

type Update = RouterInputs["apiKeys"]["updateTemplate"];

const optionalInt = (v: string) => (v.trim() === "" ? null : Number(v));
const intText = (v: number | null) => (v === null ? "" : String(v));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const sameQuota = (a: Template["quota"], b: Template["quota"]) =>
  a === null || b === null ? a === b : a.requests === b.requests && a.period === b.period;
/** Questions as they are saved: trimmed texts (compared as JSON to see whether they changed). */
const savedQuestions = (qs: RequestQuestion[]) => qs.map((q) => ({ ...q, text: q.text.trim() }));

export interface DeletedTemplate {
  name: string;
  revokedKeys: number;
  cancelledRequests: number;
}

/** One template: its settings, the server's warnings, information fields, delete. */
export function TemplateTile(props: {
  template: Template;
  roles: Role[];
  nodes: GraphNode[];
  onChanged: (t: Template) => void;
  onDeleted: (deleted: DeletedTemplate) => void;
}) {
  const t = () => props.template;
  const [name, setName] = createSignal("");
  const [description, setDescription] = createSignal("");
  const [roleId, setRoleId] = createSignal("");
  const [price, setPrice] = createSignal("");
  const [rateLimit, setRateLimit] = createSignal("");
  const [mode, setMode] = createSignal<RateLimitMode>("reject");
  const [quotaRequests, setQuotaRequests] = createSignal("");
  const [quotaPeriod, setQuotaPeriod] = createSignal<QuotaPeriod>("month");
  const [ttl, setTtl] = createSignal("");
  const [shared, setShared] = createSignal(false);
  const [approval, setApproval] = createSignal<Approval>("manual");
  const [maxTtl, setMaxTtl] = createSignal("");
  const [questions, setQuestions] = createSignal<RequestQuestion[]>([]);
  const [saved, setSaved] = createSignal(false);
  // drafts follow the server's values whenever those change (load, save, another tab's refresh)
  createEffect(on(() => t().name, setName));
  createEffect(on(() => t().description, setDescription));
  createEffect(on(() => String(t().roleId ?? ""), setRoleId));
  createEffect(
    on(
      () => t().pricePerRequest,
      (v) => setPrice(formatDecimal(v)),
    ),
  );
  createEffect(on(() => intText(t().rateLimitPerMinute), setRateLimit));
  createEffect(on(() => t().rateLimitMode, setMode));
  createEffect(
    on(
      () => JSON.stringify(t().quota),
      () => {
        setQuotaRequests(intText(t().quota?.requests ?? null));
        setQuotaPeriod(t().quota?.period ?? "month");
      },
    ),
  );
  createEffect(on(() => intText(t().keyTtlDays), setTtl));
  createEffect(on(() => t().allowSharedLayers, setShared));
  createEffect(on(() => t().approval, setApproval));
  createEffect(on(() => intText(t().maxTtlDays), setMaxTtl));
  createEffect(
    on(
      () => JSON.stringify(t().requestQuestions),
      () => setQuestions(t().requestQuestions.map((q) => ({ ...q }))),
    ),
  );

  const changes = (): Omit<Update, "templateId"> => {
    const c: Omit<Update, "templateId"> = {};
    if (name().trim() !== t().name) c.name = name().trim();
    if (description() !== t().description) c.description = description();
    if (roleId() && roleId() !== String(t().roleId ?? "")) c.roleId = Number(roleId());
    if (price().trim() !== formatDecimal(t().pricePerRequest)) c.pricePerRequest = price().trim() || "0";
    if (rateLimit().trim() !== intText(t().rateLimitPerMinute))
      c.rateLimitPerMinute = optionalInt(rateLimit());
    if (mode() !== t().rateLimitMode) c.rateLimitMode = mode();
    // an empty number is no quota, whatever period is picked
    const quota =
      quotaRequests().trim() === "" ? null : { requests: Number(quotaRequests()), period: quotaPeriod() };
    if (!sameQuota(quota, t().quota)) c.quota = quota;
    if (ttl().trim() !== intText(t().keyTtlDays)) c.keyTtlDays = optionalInt(ttl());
    if (shared() !== t().allowSharedLayers) c.allowSharedLayers = shared();
    if (approval() !== t().approval) c.approval = approval();
    if (maxTtl().trim() !== intText(t().maxTtlDays)) c.maxTtlDays = optionalInt(maxTtl());
    const qs = savedQuestions(questions());
    if (JSON.stringify(qs) !== JSON.stringify(t().requestQuestions)) c.requestQuestions = qs;
    return c;
  };
  const dirty = () => Object.keys(changes()).length > 0;
  useUnsaved(`template-${t().id}:settings`, () => (dirty() ? `settings of ${t().name}` : null));
  const unsaved = useContext(UnsavedContext);
  // this tile's settings or any of its fields hold edits not saved yet
  const anyUnsaved = () => unsaved?.keys().some((k) => k.startsWith(`template-${t().id}:`)) ?? dirty();
  const save = createAction(async () => {
    const updated = await trpc.apiKeys.updateTemplate.mutate({ templateId: t().id, ...changes() });
    props.onChanged(updated);
    return updated;
  });
  const edited =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      setSaved(false);
      set(v);
    };
  const roleOptions = () => {
    const opts = props.roles.map((r) => ({ value: String(r.id), label: r.name }));
    if (t().roleId === null) opts.unshift({ value: "", label: "— role deleted —" });
    return opts;
  };

  return (
    <section class="card template-tile" aria-label={`Template ${t().name}`}>
      <header class="template-head">
        <div class="row">
          <span class="tile-icon" aria-hidden="true">
            <Icon name="key" />
          </span>
          <h3 class="template-name">{t().name}</h3>
          <span class="badge">{t().roleName || "no role"}</span>
        </div>
        <div class="row nowrap">
          <Show when={anyUnsaved()}>
            <span class="badge badge-amber" title="Edits in this template are not saved yet">
              Unsaved changes
            </span>
          </Show>
          <ConfirmButton
            label={<Icon name="trash" />}
            aria-label={`Delete template ${t().name}`}
            size="sm"
            title={`Delete template ${t().name}?`}
            message={
              <>
                <p>
                  <Show
                    when={t().activeKeys > 0}
                    fallback={
                      <>
                        No key issued from <strong>{t().name}</strong> is active, so no key is revoked.
                      </>
                    }
                  >
                    <strong>Deleting revokes {plural(t().activeKeys, "issued key")}</strong> at once; their
                    holders are e-mailed and their calls are refused from then on.
                  </Show>
                </p>
                <Show when={t().pendingRequests > 0}>
                  <p>
                    {plural(t().pendingRequests, "pending request is", "pending requests are")} cancelled; the
                    requesters are e-mailed.
                  </p>
                </Show>
                <p class="muted small">
                  This cannot be undone. Usage statistics of the revoked keys stay under Usage statistics.
                </p>
              </>
            }
            confirmLabel={
              t().activeKeys > 0 ? `Delete and revoke ${plural(t().activeKeys, "key")}` : "Delete template"
            }
            onConfirm={async () => {
              const name = t().name;
              const r = await trpc.apiKeys.deleteTemplate.mutate({ templateId: t().id });
              props.onDeleted({ name, revokedKeys: r.revokedKeys, cancelledRequests: r.cancelledRequests });
            }}
          />
        </div>
      </header>

      <Show when={t().warnings.length > 0}>
        <div class="warning-box" role="status" aria-label="Template warnings">
          <Icon name="warning" />
          <ul>
            <For each={t().warnings}>{(w) => <li>{w}</li>}</For>
          </ul>
        </div>
      </Show>

      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await save.run()) setSaved(true);
        }}
      >
        <div class="template-grid">
          <TextField
            label="Name"
            required
            maxLength={MAX_TEMPLATE_NAME}
            value={name()}
            onInput={edited(setName)}
          />
          <SelectField label="Role" value={roleId()} onChange={edited(setRoleId)} options={roleOptions()} />
          <TextField
            label="Price per request"
            inputmode="decimal"
            value={price()}
            onInput={edited(setPrice)}
            hint="Charged for each successful call"
          />
          <TextField
            label="Key lifetime (days)"
            type="number"
            min="1"
            max={MAX_KEY_TTL_DAYS}
            step="1"
            placeholder="none"
            value={ttl()}
            onInput={edited(setTtl)}
            hint={
              maxTtl().trim()
                ? `Empty: the maximum below (${maxTtl().trim()} days)`
                : "Empty: keys never expire"
            }
          />
        </div>
        <TextAreaField label="Description" rows={2} value={description()} onInput={edited(setDescription)} />
        <CheckboxField
          label="Allow shared layers"
          hint="keys may also read and write the project's shared data layers, not only their own"
          checked={shared()}
          onChange={edited(setShared)}
        />
        <TemplateMetering
          rateLimit={rateLimit()}
          onRateLimit={edited(setRateLimit)}
          mode={mode()}
          onMode={edited(setMode)}
          quotaRequests={quotaRequests()}
          onQuotaRequests={edited(setQuotaRequests)}
          quotaPeriod={quotaPeriod()}
          onQuotaPeriod={edited(setQuotaPeriod)}
        />
        <TemplatePolicy
          templateName={t().name}
          approval={approval()}
          onApproval={edited(setApproval)}
          maxTtl={maxTtl()}
          onMaxTtl={edited(setMaxTtl)}
          questions={questions()}
          onQuestions={edited(setQuestions)}
        />
        <ErrorBox error={save.error()} />
        <div class="row end">
          <Show when={saved() && !dirty()}>
            <span class="saved-note" role="status">
              <Icon name="check" size={16} /> Saved
            </span>
          </Show>
          <Show when={dirty()}>
            <span class="muted small">Settings not saved yet</span>
          </Show>
          <Button type="submit" variant="primary" size="sm" pending={save.pending()} disabled={!dirty()}>
            Save template
          </Button>
        </div>
      </form>

      <TemplateFields template={t()} nodes={props.nodes} onChanged={props.onChanged} />
    </section>
  );
}
