import {
  MAX_KEY_TTL_DAYS,
  MAX_QUESTION_TEXT,
  MAX_REQUEST_QUESTIONS,
  type RequestQuestion,
} from "@keyflow/schemas";
import { Index, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { type Choice, ChoiceCards } from "../../../components/ChoiceCards";
import { TextField } from "../../../components/Field";
import { Icon } from "../../../components/Icon";

export type Approval = "manual" | "auto";

const APPROVAL_CHOICES: Choice<Approval>[] = [
  {
    value: "manual",
    label: "Manual",
    hint: "You approve or reject each request under Requests; the requester waits until then.",
  },
  {
    value: "auto",
    label: "Automatic",
    hint: "REQUEST issues the key at once. You are e-mailed who received one and can suspend or revoke it under Usage statistics.",
  },
];

/** A question id nobody used on this template yet (answers are stored by id, so ids are never reused). */
const newQuestionId = () => `q_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * The approval policy of a template (SPEC §12), part of its settings form: who approves, the
 * longest a key may live, and up to five questions the requester answers in the REQUEST dialog.
 */
export function TemplatePolicy(props: {
  templateName: string;
  approval: Approval;
  onApproval: (v: Approval) => void;
  maxTtl: string;
  onMaxTtl: (v: string) => void;
  questions: RequestQuestion[];
  onQuestions: (qs: RequestQuestion[]) => void;
}) {
  let list: HTMLOListElement | undefined;
  const update = (i: number, patch: Partial<RequestQuestion>) =>
    props.onQuestions(props.questions.map((q, j) => (j === i ? { ...q, ...patch } : q)));
  const add = () => {
    props.onQuestions([...props.questions, { id: newQuestionId(), text: "", required: true }]);
    // the new question's text is where the owner types next
    queueMicrotask(() => list?.querySelector<HTMLInputElement>("li:last-child input[type=text]")?.focus());
  };
  const full = () => props.questions.length >= MAX_REQUEST_QUESTIONS;

  return (
    <div class="subsection stack template-policy">
      <h4 class="section-label">Approval policy</h4>
      <div class="policy-grid">
        <ChoiceCards
          legend="Approval"
          choices={APPROVAL_CHOICES}
          value={props.approval}
          onChange={props.onApproval}
        />
        <TextField
          label="Maximum key lifetime (days)"
          type="number"
          min="1"
          max={MAX_KEY_TTL_DAYS}
          step="1"
          placeholder="unlimited"
          value={props.maxTtl}
          onInput={props.onMaxTtl}
          hint="Caps every key from this template, also an expiry you choose when approving. Empty: unlimited."
        />
      </div>

      <div class="stack request-questions">
        <div>
          <span class="field-label">Request questions</span>
          <p class="field-hint">
            Asked in the REQUEST dialog (at most {MAX_REQUEST_QUESTIONS}); you see the answers under Requests
            and in the request e-mail.
          </p>
        </div>
        <Show when={props.questions.length > 0}>
          <ol class="plain question-list" ref={list}>
            {/* by index: a keystroke replaces the question object, the row (and its focus) stays */}
            <Index each={props.questions}>
              {(q, i) => (
                <li class="question-row">
                  <TextField
                    label={`Question ${i + 1}`}
                    type="text"
                    required
                    maxLength={MAX_QUESTION_TEXT}
                    placeholder="What will you use the key for?"
                    value={q().text}
                    onInput={(text) => update(i, { text })}
                  />
                  <label class="checkbox question-required">
                    <input
                      type="checkbox"
                      checked={q().required}
                      onChange={(e) => update(i, { required: e.currentTarget.checked })}
                    />
                    <span>Required</span>
                  </label>
                  <button
                    type="button"
                    class="icon-btn icon-btn-danger"
                    aria-label={`Remove question ${i + 1} of ${props.templateName}`}
                    title="Remove question"
                    onClick={() => props.onQuestions(props.questions.filter((_, j) => j !== i))}
                  >
                    <Icon name="trash" size={16} />
                  </button>
                </li>
              )}
            </Index>
          </ol>
        </Show>
        <div class="row">
          <Button
            size="sm"
            onClick={add}
            disabled={full()}
            aria-label={`Add request question to ${props.templateName}`}
          >
            <Icon name="plus" size={15} /> Question
          </Button>
          <Show when={full()}>
            <span class="muted small">That is the most a template can ask ({MAX_REQUEST_QUESTIONS}).</span>
          </Show>
          <Show when={props.questions.length === 0}>
            <span class="muted small">No questions: the dialog asks only for an optional message.</span>
          </Show>
        </div>
      </div>
    </div>
  );
}
