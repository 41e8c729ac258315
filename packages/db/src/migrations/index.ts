import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";

// Numbered migrations, applied in key order. Add new ones at the end; never edit an applied one.
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
};
