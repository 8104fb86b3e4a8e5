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
import { serverUrlFor } from "../platform/calcom_servers.ts";
import { oauthBearer } from "./oauth_tokens.ts";

/** What identifies a connection's credential. */
export interface ConnectionCredential {
  id: string;
  userId: string;
  authKind: "api_key" | "oauth";
  /** The stored `api_key_encrypted` (for OAuth rows, an empty string's ciphertext: unused). */
  apiKeyEncrypted: string;
  /** The stored `calcom_api_url`: the connection's self-hosted Cal.com, or null for the default server. */
  calcomApiUrl: string | null;
}

/** What building a client needs. */
export type ConnectionClientDeps = Pick<
  Deps,
  "db" | "secrets" | "calcom" | "now" | "fetch" | "config" | "log"
>;

/**
 * The client of `connection`, on the connection's Cal.com server.
 *
 * @throws {import("../calcom/errors.ts").CalcomError} when the operator no longer allows the connection's
 * server (checked first: nothing is decrypted or sent)
 * @throws {import("../platform/secret_box.ts").SecretBoxError} when an API key cannot be decrypted
 */
export async function calcomForConnection(
  deps: ConnectionClientDeps,
  connection: ConnectionCredential,
  options?: CalcomCallOptions,
): Promise<CalcomClient> {
  const ref = { id: connection.id, userId: connection.userId };
  const calls = { ...options, baseUrl: serverUrlFor(deps.config, connection.calcomApiUrl) };
  if (connection.authKind === "oauth") return deps.calcom(oauthBearer(deps, ref), calls);
  const apiKey = await deps.secrets.decrypt(
    connection.apiKeyEncrypted,
    connectionSecret("api_key_encrypted", ref),
  );
  return deps.calcom(apiKey, calls);
}
