import { NodePostgresAdapter } from "@lucia-auth/adapter-postgresql";
import { Lucia, TimeSpan } from "lucia";
import type pg from "pg";

export const SESSION_COOKIE = "keyflow_session";

export function createLucia(pool: pg.Pool, secure: boolean) {
  return new Lucia(new NodePostgresAdapter(pool, { user: "users", session: "user_sessions" }), {
    sessionExpiresIn: new TimeSpan(30, "d"),
    sessionCookie: { name: SESSION_COOKIE, attributes: { secure, sameSite: "lax" } },
    getUserAttributes: (a) => ({ email: a.email, name: a.name }),
  });
}

export type Auth = ReturnType<typeof createLucia>;

declare module "lucia" {
  interface Register {
    Lucia: Auth;
    UserId: number;
    DatabaseUserAttributes: { email: string; name: string };
  }
}
