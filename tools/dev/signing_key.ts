/**
 * The dev server's JWT signing key, the modern Supabase way: an asymmetric ES256 key kept in
 * `<dataDir>/signing_key.json` (readable by the owner only), its public half served as the project's JWKS,
 * and a publishable key (`sb_publishable_…`) derived from it, so tokens and keys survive restarts.
 *
 * @module
 */
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";

/** The key the dev server signs user tokens with. */
export interface SigningKey {
  privateKey: CryptoKey;
  /** The public JWK as `/auth/v1/.well-known/jwks.json` serves it (kid, alg ES256, use sig). */
  publicJwk: JWK;
  kid: string;
  /** A stand-in for the project's `sb_publishable_…` key (not a JWT; nothing checks it locally). */
  publishableKey: string;
  path: string;
}

/** File name of the key in the data folder. */
export const SIGNING_KEY_FILE = "signing_key.json";

/** Reads the key from `<dataDir>`, generating and saving it (mode 0600) when missing. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const path = `${dataDir.replace(/\/+$/, "")}/${SIGNING_KEY_FILE}`;
  let jwk: JWK & { kid?: string };
  try {
    jwk = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read ${path}: not a signing key; fix or delete it`, { cause: err });
    }
    const pair = await generateKeyPair("ES256", { extractable: true });
    jwk = { ...(await exportJWK(pair.privateKey)), kid: crypto.randomUUID(), alg: "ES256", use: "sig" };
    await Deno.mkdir(dataDir, { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(jwk, null, 2) + "\n", { mode: 0o600 });
  }
  if (jwk.kty !== "EC" || !jwk.d || !jwk.kid) {
    throw new Error(`Cannot read ${path}: not an ES256 private key`);
  }
  const privateKey = await importJWK(jwk, "ES256") as CryptoKey;
  const { d: _private, ...publicJwk } = jwk;
  const publishableKey = `sb_publishable_${jwk.kid.replaceAll("-", "").slice(0, 22)}`;
  return { privateKey, publicJwk, kid: jwk.kid, publishableKey, path };
}
