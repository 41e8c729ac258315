export { createUser, TEST_PASSWORD, type TestUser, uniqueEmail } from "./users";
export { waitFor } from "./waitFor";
