import type { RouterOutputs } from "../../../lib/trpc";

export type AboutInfo = RouterOutputs["projects"]["about"];
export type KeyTileInfo = AboutInfo["keyTiles"][number];
export type IssuedKeyInfo = NonNullable<KeyTileInfo["key"]>;
