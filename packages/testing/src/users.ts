import { randomBytes } from "node:crypto";
import { auth, type Principal, userPrincipal } from "@keyflow/core";
import type { Db } from "@keyflow/db";

export const TEST_PASSWORD = "correct horse battery";

/** A unique e-mail address for a test user called `name`. */
export const uniqueEmail = (name: string) =>
  `${name.toLowerCase().replace(/\W/g, "") || "user"}-${randomBytes(3).toString("hex")}@example.com`;

export interface TestUser {
  id: number;
  email: string;
  name: string;
  as: Principal;
}

/** Signs a user up through core (real argon2 hash), with a unique e-mail. */
export async function createUser(db: Db, name = "User"): Promise<TestUser> {
  const email = uniqueEmail(name);
  const user = await auth.signUp(db, { email, password: TEST_PASSWORD, name });
  return { id: user.id, email, name, as: userPrincipal(user.id) };
}
