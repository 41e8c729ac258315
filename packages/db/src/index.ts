export { type Insertable, type RawBuilder, type Selectable, sql, type Transaction } from "kysely";
export { migrate } from "./migrate";
export { dataDir, repoRoot } from "./paths";
export { createDb, createPool, type Db, prepared } from "./pool";
export { embeddedInfoFile, resolveAppUrl, resolveDatabaseUrl, resolveSecret } from "./runtimeConfig";
export * from "./schema";
