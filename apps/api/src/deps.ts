import type { Db } from "@keyflow/db";
import type pg from "pg";
import type { Auth } from "./auth/lucia";
import type { Config } from "./config";

/** Everything the HTTP app needs, built once per process (see main.ts) or per test. */
export interface AppDeps {
  db: Db;
  pool: pg.Pool;
  auth: Auth;
  config: Config;
}
