/**
 * The Cal.com client of a stored connection, whichever way it was connected: an API key (decrypted
 * from `api_key_encrypted`) or OAuth (fresh access tokens from `oauth_tokens.ts`). Every function that
 * calls Cal.com for a connection builds its client here.
 *
 * @module
 */
import type { CalcomClient } from "../calcom/client.ts";
import { connectionSecret } from "../platform/connection_secret.ts";
import type { CalcomCallOptions, Deps } from "../platform/deps.ts";
import { oauthBearer } from "./oauth_tokens.ts";

/** What identifies a connection's credential. */
export interface ConnectionCredential {
  id: string;
  userId: string;
  authKind: "api_key" | "oauth";
  /** The stored `api_key_encrypted` (for OAuth rows, an empty string's ciphertext: unused). */
  apiKeyEncrypted: string;
}

/** What building a client needs. */
export type ConnectionClientDeps = Pick<
  Deps,
  "db" | "secrets" | "calcom" | "now" | "fetch" | "config" | "log"
>;

/**
 * The client of `connection`.
 *
 * @throws {import("../platform/secret_box.ts").SecretBoxError} when an API key cannot be decrypted
 */
export async function calcomForConnection(
  deps: ConnectionClientDeps,
  connection: ConnectionCredential,
  options?: CalcomCallOptions,
): Promise<CalcomClient> {
  const ref = { id: connection.id, userId: connection.userId };
  if (connection.authKind === "oauth") return deps.calcom(oauthBearer(deps, ref), options);
  const apiKey = await deps.secrets.decrypt(
    connection.apiKeyEncrypted,
    connectionSecret("api_key_encrypted", ref),
  );
  return deps.calcom(apiKey, options);
}
