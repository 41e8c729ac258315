import { createSignal, For, Show } from "solid-js";
import { Button } from "../../../components/Button";
import { Icon } from "../../../components/Icon";
import { AddFieldDialog } from "./AddFieldDialog";
import { FieldRow } from "./FieldRow";
import type { GraphNode, Template } from "./types";

/** The information fields of a template: exported to key holders as secrets. */
export function TemplateFields(props: {
  template: Template;
  nodes: GraphNode[];
  onChanged: (t: Template) => void;
}) {
  const [adding, setAdding] = createSignal(false);
  return (
    <div class="subsection stack template-fields">
      <div class="row between">
        <div>
          <h4 class="section-label">Information fields</h4>
          <p class="muted small">
            Given to every key holder (imported as secrets <code>prefix_name</code>). The RnDFlow client needs{" "}
            <code>project</code>, <code>input</code> and <code>output</code>.
          </p>
        </div>
        <Button size="sm" onClick={() => setAdding(true)} aria-label={`Add field to ${props.template.name}`}>
          <Icon name="plus" size={15} /> Field
        </Button>
      </div>
      <Show
        when={props.template.fields.length > 0}
        fallback={<p class="muted small">No information fields.</p>}
      >
        <div class="field-table">
          <div class="field-table-head" aria-hidden="true">
            <span>Name</span>
            <span>Description</span>
            <span>Value</span>
            <span />
          </div>
          <ul class="plain">
            <For each={props.template.fields}>
              {(f) => (
                <FieldRow
                  field={f}
                  templateId={props.template.id}
                  templateName={props.template.name}
                  projectId={props.template.projectId}
                  nodes={props.nodes}
                  onChanged={props.onChanged}
                />
              )}
            </For>
          </ul>
        </div>
      </Show>
      <AddFieldDialog
        templateId={props.template.id}
        open={adding()}
        onOpenChange={setAdding}
        onAdded={(t) => {
          setAdding(false);
          props.onChanged(t);
        }}
      />
    </div>
  );
}
