/**
 * Signs and checks canonical records with Ed25519 or ECDSA P-256 keys (the algorithm follows the
 * key), in forms stock `openssl` verifies: Ed25519 signatures are the raw 64 bytes; ECDSA
 * signatures are DER over SHA-256 of the canonical bytes.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export type SignatureAlgorithm = "ed25519" | "ecdsa-p256-sha256";

export interface RecordSignature {
  readonly algorithm: SignatureAlgorithm;
  /** The signature bytes, base64. */
  readonly value: string;
  /** SHA-256 (hex) of the signer's public key in DER SubjectPublicKeyInfo form. */
  readonly public_key_sha256: string;
}

/** A key file that cannot be used, with how to fix it. */
export class KeyError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.name = "KeyError";
    this.fix = fix;
  }
}

export interface LoadedKey {
  readonly key: KeyObject;
  readonly algorithm: SignatureAlgorithm;
  /** See {@link RecordSignature.public_key_sha256}. */
  readonly publicKeySha256: string;
}

const MAKE_KEY =
  "use an Ed25519 or ECDSA P-256 key in PEM form, e.g. `openssl genpkey -algorithm ed25519 -out key.pem` or `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem`";

function algorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ecdsa-p256-sha256";
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new KeyError(`is a${key.asymmetricKeyType === "ec" ? "n" : ""} ${key.asymmetricKeyType ?? "unknown"}${curve ? ` (${curve})` : ""} key, which records cannot be signed with`, MAKE_KEY);
}

function fingerprint(pub: KeyObject): string {
  return createHash("sha256").update(pub.export({ type: "spki", format: "der" })).digest("hex");
}

/** Loads a private key (PEM, unencrypted) for signing. */
export function loadSigningKey(pem: string | Buffer): LoadedKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    const encrypted = /passphrase/i.test(String((e as Error).message));
    throw encrypted
      ? new KeyError("is an encrypted private key", "decrypt it for the signing step, e.g. `openssl pkey -in key.pem -out plain.pem`, and keep the plain file out of the cache")
      : new KeyError("is not a private key in PEM form", MAKE_KEY);
  }
  return { key, algorithm: algorithmOf(key), publicKeySha256: fingerprint(createPublicKey(key)) };
}

/** Loads a public key (PEM; a private key is accepted and its public half used) for checking. */
export function loadVerifyingKey(pem: string | Buffer): LoadedKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new KeyError("is not a public key in PEM form", "export the signer's public key with `openssl pkey -in key.pem -pubout -out pub.pem`");
  }
  return { key, algorithm: algorithmOf(key), publicKeySha256: fingerprint(key) };
}

/** Signs `data` (the canonical record bytes). */
export function signBytes(data: Buffer, signer: LoadedKey): RecordSignature {
  const value = signer.algorithm === "ed25519" ? sign(null, data, signer.key) : sign("sha256", data, { key: signer.key, dsaEncoding: "der" });
  return { algorithm: signer.algorithm, value: value.toString("base64"), public_key_sha256: signer.publicKeySha256 };
}

/** Outcome of checking a signature against a key. */
export type SignatureCheck = "valid" | "invalid" | "wrong-key";

/** Checks `signature` over `data` with `verifier`; `wrong-key` when it names another key or algorithm. */
export function checkSignature(data: Buffer, signature: RecordSignature, verifier: LoadedKey): SignatureCheck {
  if (signature.algorithm !== verifier.algorithm || signature.public_key_sha256 !== verifier.publicKeySha256) return "wrong-key";
  const value = Buffer.from(signature.value, "base64");
  try {
    const ok = verifier.algorithm === "ed25519" ? verify(null, data, verifier.key, value) : verify("sha256", data, { key: verifier.key, dsaEncoding: "der" }, value);
    return ok ? "valid" : "invalid";
  } catch {
    // Signature bytes that are not even well-formed (a malformed DER sequence) do not verify.
    return "invalid";
  }
}
