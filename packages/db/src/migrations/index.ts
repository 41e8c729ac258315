import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0002 from "./0002_api_keys";

// Numbered migrations, applied in key order. Add new ones at the end; never edit an applied one.
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_api_keys": m0002,
};
