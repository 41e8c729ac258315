export { setupTestDatabaseServer as default } from "@keyflow/db/testing";
