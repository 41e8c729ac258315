import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0002 from "./0002_api_keys";
import * as m0003 from "./0003_secrets";
import * as m0004 from "./0004_jobs";
import * as m0005 from "./0005_worker_heartbeats";
import * as m0006 from "./0006_access_tokens";
import * as m0007 from "./0007_key_suspension";
import * as m0008 from "./0008_key_policy";
import * as m0009 from "./0009_metering";
import * as m0010 from "./0010_usage_event_blocks";

// Numbered migrations, applied in key order. Add new ones at the end; never edit an applied one.
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_api_keys": m0002,
  "0003_secrets": m0003,
  "0004_jobs": m0004,
  "0005_worker_heartbeats": m0005,
  "0006_access_tokens": m0006,
  "0007_key_suspension": m0007,
  "0008_key_policy": m0008,
  "0009_metering": m0009,
  "0010_usage_event_blocks": m0010,
};
