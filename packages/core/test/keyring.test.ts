import { describe, expect, test } from "vitest";
import { Keyring, type Purpose } from "../src/index";

// The keyring (crypto/keyring.ts) encrypts tokens and secret values with AES-256-GCM under keys
// derived from KEYFLOW_SECRET, one per purpose, bound to their row by associated data, and MACs
// signed URLs. Any change to a stored value, or reading it with the wrong key or row, must fail.

const SECRET = "test-master-secret-0123456789abcdef";
const keyring = new Keyring(SECRET);
const AAD = "secrets:1";

/** The ciphertext with one byte of its raw (nonce ‖ body ‖ tag) form flipped. */
function flip(ciphertext: string, at: (raw: Buffer) => number): string {
  const [version, data] = ciphertext.split(":");
  const raw = Buffer.from(data!, "base64");
  const i = at(raw);
  raw[i] = raw[i]! ^ 0x01;
  return `${version}:${raw.toString("base64")}`;
}

describe("encryption", () => {
  test("round trip, for every purpose and for text beyond ASCII", () => {
    for (const purpose of ["api_key_token", "secret_value", "signed_url"] as Purpose[]) {
      const c = keyring.encrypt(purpose, "pässwörd ✓ 🔑", AAD);
      expect(keyring.decrypt(purpose, c, AAD)).toBe("pässwörd ✓ 🔑");
    }
    expect(keyring.decrypt("secret_value", keyring.encrypt("secret_value", "", AAD), AAD)).toBe("");
  });

  test("the ciphertext carries the v1: version and never the plain text; each encryption differs", () => {
    const a = keyring.encrypt("secret_value", "hunter2", AAD);
    const b = keyring.encrypt("secret_value", "hunter2", AAD);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toContain("hunter2");
    expect(Buffer.from(a.slice(3), "base64").toString("latin1")).not.toContain("hunter2");
    expect(a).not.toBe(b); // random nonce
  });

  test("a tampered nonce, body or tag fails to decrypt", () => {
    const c = keyring.encrypt("secret_value", "hunter2", AAD);
    const tampered = [
      flip(c, () => 0), // nonce
      flip(c, () => 12), // body
      flip(c, (raw) => raw.length - 1), // tag
    ];
    for (const t of tampered) expect(() => keyring.decrypt("secret_value", t, AAD)).toThrow();
  });

  test("a value moved to another row (other associated data) fails to decrypt", () => {
    const c = keyring.encrypt("secret_value", "hunter2", "secrets:1");
    expect(() => keyring.decrypt("secret_value", c, "secrets:2")).toThrow();
  });

  test("another master secret cannot decrypt", () => {
    const c = keyring.encrypt("api_key_token", "kf_token", AAD);
    const other = new Keyring("another-master-secret-0123456789");
    expect(() => other.decrypt("api_key_token", c, AAD)).toThrow();
  });

  test("an unknown version or a ciphertext without one is refused", () => {
    const c = keyring.encrypt("secret_value", "hunter2", AAD);
    expect(() => keyring.decrypt("secret_value", `v2:${c.slice(3)}`, AAD)).toThrow(
      /Unknown ciphertext version/,
    );
    expect(() => keyring.decrypt("secret_value", c.slice(3), AAD)).toThrow(/Unknown ciphertext version/);
    expect(() => keyring.decrypt("secret_value", "v1:", AAD)).toThrow(/Unknown ciphertext version/);
  });

  test("each purpose has its own key: a token's ciphertext does not decrypt as a secret value", () => {
    const c = keyring.encrypt("api_key_token", "kf_token", AAD);
    expect(() => keyring.decrypt("secret_value", c, AAD)).toThrow();
    expect(keyring.mac("signed_url", "data")).not.toBe(keyring.mac("secret_value", "data"));
  });
});

describe("MACs", () => {
  test("verify their own data only, under the same purpose and master secret", () => {
    const mac = keyring.mac("signed_url", "/files/1?exp=2");
    expect(keyring.verifyMac("signed_url", "/files/1?exp=2", mac)).toBe(true);
    expect(keyring.verifyMac("signed_url", "/files/1?exp=3", mac)).toBe(false);
    const changed = mac.slice(0, -1) + (mac.endsWith("A") ? "B" : "A");
    expect(keyring.verifyMac("signed_url", "/files/1?exp=2", changed)).toBe(false);
    expect(keyring.verifyMac("signed_url", "/files/1?exp=2", mac.slice(0, -1))).toBe(false);
    expect(keyring.verifyMac("secret_value", "/files/1?exp=2", mac)).toBe(false);
    expect(
      new Keyring("another-master-secret-0123456789").verifyMac("signed_url", "/files/1?exp=2", mac),
    ).toBe(false);
  });
});

describe("master secret", () => {
  test("the check value is stable for one secret, differs for another and does not contain it", () => {
    expect(new Keyring(SECRET).checkValue()).toBe(keyring.checkValue());
    expect(new Keyring("another-master-secret-0123456789").checkValue()).not.toBe(keyring.checkValue());
    expect(keyring.checkValue()).not.toContain(SECRET);
  });

  test("a secret shorter than 16 characters is refused", () => {
    expect(() => new Keyring("short")).toThrow(/at least 16 characters/);
  });
});
