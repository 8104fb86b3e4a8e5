/**
 * Where a Cal.com connection keeps its secrets: the `calcom_connections` columns holding ciphertexts, and
 * the binding each ciphertext is encrypted with (row, column, owner), so every function that encrypts or
 * decrypts one names it the same way.
 *
 * @module
 */
import type { SecretBinding } from "./secret_box.ts";

/** The `calcom_connections` columns that hold ciphertexts. */
export type ConnectionSecretColumn =
  | "api_key_encrypted"
  | "webhook_secret_encrypted"
  | "oauth_access_token_encrypted"
  | "oauth_refresh_token_encrypted";

/** The binding of the secret in `column` of the connection `id` owned by `userId`. */
export function connectionSecret(
  column: ConnectionSecretColumn,
  connection: { id: string; userId: string },
): SecretBinding {
  return { rowId: connection.id, column, userId: connection.userId };
}
