import type { Db } from "@keyflow/db";
import { changePasswordInput, signInInput, signUpInput } from "@keyflow/schemas";
import { hash, verify } from "@node-rs/argon2";
import type { z } from "zod";
import { CoreError, conflict, isUniqueViolation, notFound } from "../errors";
import { parse } from "../validate";
import { assertNotThrottled, clearFailures, recordFailure } from "./throttle";

// argon2id (the library default) with OWASP's second recommended parameter set
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, ARGON);

// Unknown e-mails are verified against this hash too, so both failures take the same time.
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => {
  dummyHash ??= hashPassword("keyflow-dummy-password");
  return dummyHash;
};

export interface PublicUser {
  id: number;
  email: string;
  name: string;
}

export async function signUp(db: Db, input: z.input<typeof signUpInput>): Promise<PublicUser> {
  const { email, password, name } = parse(signUpInput, input);
  const password_hash = await hashPassword(password);
  try {
    return await db
      .insertInto("users")
      .values({ email, name, password_hash })
      .returning(["id", "email", "name"])
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (isUniqueViolation(e, "users_email_key")) throw conflict("An account with this e-mail already exists");
    throw e;
  }
}

const WRONG_CREDENTIALS = "Wrong e-mail or password";

/** Checks e-mail and password, throttled per account and per IP, with one message for both failures. */
export async function verifyCredentials(
  db: Db,
  input: z.input<typeof signInInput>,
  ip: string,
): Promise<PublicUser> {
  const { email, password } = parse(signInInput, input);
  const keys: [import("./throttle").ThrottleKind, string][] = [
    ["account", email],
    ["ip", ip],
  ];
  await assertNotThrottled(db, keys);
  const user = await db
    .selectFrom("users")
    .select(["id", "email", "name", "password_hash"])
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
    .executeTakeFirst();
  const ok = await verify(user?.password_hash ?? (await getDummyHash()), password).catch(() => false);
  if (!user || !ok) {
    await recordFailure(db, keys);
    throw new CoreError("UNAUTHORIZED", WRONG_CREDENTIALS);
  }
  await clearFailures(db, "account", email);
  return { id: user.id, email: user.email, name: user.name };
}

/** Changes the password; the caller must then drop every session of the user (SPEC §11). */
export async function changePassword(
  db: Db,
  userId: number,
  input: z.input<typeof changePasswordInput>,
): Promise<void> {
  const { currentPassword, newPassword } = parse(changePasswordInput, input);
  const user = await db
    .selectFrom("users")
    .select(["password_hash"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user) throw notFound("User");
  if (!(await verify(user.password_hash, currentPassword).catch(() => false))) {
    throw new CoreError("BAD_REQUEST", "currentPassword: is wrong", { field: "currentPassword" });
  }
  await db
    .updateTable("users")
    .set({ password_hash: await hashPassword(newPassword) })
    .where("id", "=", userId)
    .execute();
}

export async function getUser(db: Db, userId: number): Promise<PublicUser | null> {
  return (
    (await db
      .selectFrom("users")
      .select(["id", "email", "name"])
      .where("id", "=", userId)
      .executeTakeFirst()) ?? null
  );
}
