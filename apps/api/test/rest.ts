import type { Client, Harness } from "./harness";
import { APP_URL } from "./harness";

export interface RestResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted by the tests
  body: any;
  headers: Headers;
}

/**
 * A tiny REST client for tests: JSON in and out through the real Hono app, with a Bearer key or
 * the session cookie of a tRPC test client. Bytes are sent as they are; absolute URLs of the app
 * (signed URLs) are requested through it too.
 */
export function rest(h: Harness, auth: { bearer?: string; cookiesOf?: Client; authorization?: string } = {}) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<RestResponse> {
    const hdrs = new Headers(headers);
    if (auth.bearer) hdrs.set("authorization", `Bearer ${auth.bearer}`);
    if (auth.authorization) hdrs.set("authorization", auth.authorization);
    if (auth.cookiesOf) {
      hdrs.set("cookie", h.cookieHeader(auth.cookiesOf));
      hdrs.set("origin", APP_URL);
    }
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) payload = body;
    else if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      if (!hdrs.has("content-type")) hdrs.set("content-type", "application/json");
    }
    const local = path.startsWith(APP_URL) ? path.slice(APP_URL.length) : path;
    const res = await h.app.request(local, { method, headers: hdrs, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call("POST", path, body ?? {}, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => call("PUT", path, body, headers),
    call,
  };
}
