import { createSignal, For, Show } from "solid-js";
import { Icon } from "../../../components/Icon";
import { KeyTile, type TileNote } from "./KeyTile";
import type { KeyTileInfo } from "./types";

/** The About page's API keys subsection: one tile per template, in the caller's state. */
export function KeyTiles(props: { tiles: KeyTileInfo[]; projectName: string; onChanged: () => void }) {
  // kept here, by template: a refresh of the tiles recreates each tile, the message stays
  const [notes, setNotes] = createSignal<Record<number, TileNote>>({});
  const setNote = (templateId: number, note: TileNote | null) =>
    setNotes((all) => {
      const { [templateId]: _, ...rest } = all;
      return note ? { ...rest, [templateId]: note } : rest;
    });
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
          <For each={props.tiles}>
            {(t) => (
              <KeyTile
                tile={t}
                projectName={props.projectName}
                note={notes()[t.templateId] ?? null}
                onNote={(note) => setNote(t.templateId, note)}
                onChanged={props.onChanged}
              />
            )}
          </For>
        </div>
      </Show>
    </section>
  );
}
