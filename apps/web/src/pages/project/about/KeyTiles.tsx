import { For, Show } from "solid-js";
import { Icon } from "../../../components/Icon";
import { KeyTile } from "./KeyTile";
import type { KeyTileInfo } from "./types";

/** The About page's API keys subsection: one tile per template, in the caller's state. */
export function KeyTiles(props: { tiles: KeyTileInfo[]; onChanged: () => void }) {
  return (
    <section class="section" aria-label="API keys">
      <h2 class="row gap-xs">
        <Icon name="key" size={16} /> API keys
      </h2>
      <Show
        when={props.tiles.length > 0}
        fallback={<div class="empty">This project offers no API keys.</div>}
      >
        <div class="key-tiles">
          <For each={props.tiles}>{(t) => <KeyTile tile={t} onChanged={props.onChanged} />}</For>
        </div>
      </Show>
    </section>
  );
}
