import { Show } from "solid-js";
import type { CopyState } from "../lib/clipboard";
import { Icon } from "./Icon";

/** What came of a copy (see createCopy): "Copied", or how to copy `what` by hand. */
export function CopyStatus(props: { state: CopyState; what: string; iconSize?: number }) {
  return (
    <>
      <Show when={props.state === "yes"}>
        <span class="saved-note" role="status">
          <Icon name="check" size={props.iconSize ?? 16} /> Copied
        </span>
      </Show>
      <Show when={props.state === "failed"}>
        <span class="small text-danger" role="status">
          The browser refused the clipboard: select the {props.what} and copy it by hand.
        </span>
      </Show>
    </>
  );
}
