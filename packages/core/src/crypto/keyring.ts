import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";

// Ciphertexts carry the key version, so the master secret can be rotated: add v2, re-encrypt, drop v1.
const VERSION = "v1";

export type Purpose = "api_key_token" | "secret_value" | "signed_url";

/**
 * Encryption and MACs keyed from the server's master secret (KEYFLOW_SECRET): one HKDF-derived key
 * per purpose; AES-256-GCM with a random 96-bit nonce and the row identity as associated data.
 */
export class Keyring {
  private readonly keys = new Map<Purpose, Buffer>();

  constructor(private readonly masterSecret: string) {
    if (masterSecret.length < 16) throw new Error("KEYFLOW_SECRET must be at least 16 characters");
  }

  private key(purpose: Purpose): Buffer {
    let k = this.keys.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync("sha256", this.masterSecret, "keyflow", `${VERSION}:${purpose}`, 32));
      this.keys.set(purpose, k);
    }
    return k;
  }

  encrypt(purpose: Purpose, plaintext: string, associatedData: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key(purpose), nonce);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64")}`;
  }

  decrypt(purpose: Purpose, ciphertext: string, associatedData: string): string {
    const [version, data] = ciphertext.split(":");
    if (version !== VERSION || !data) throw new Error("Unknown ciphertext version");
    const raw = Buffer.from(data, "base64");
    const decipher = createDecipheriv("aes-256-gcm", this.key(purpose), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      "utf8",
    );
  }

  mac(purpose: Purpose, data: string): string {
    return createHmac("sha256", this.key(purpose)).update(data).digest("base64url");
  }

  verifyMac(purpose: Purpose, data: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(purpose, data));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Stored in the database on first start; a process with another secret refuses to start. */
  checkValue(): string {
    return createHmac("sha256", this.masterSecret).update("keyflow-master-secret-check").digest("base64url");
  }
}
