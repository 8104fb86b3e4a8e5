/**
 * The calcom_oauth_states statements (run as service): a flow's state is stored as its SHA-256, bound
 * to the user who started it, and consumed exactly once by deleting it.
 *
 * @module
 */
import type { Tx } from "../_shared/platform/db.ts";

/** A flow in progress, as the callback reads it back. */
export interface StoredOAuthState {
  userId: string;
  returnTo: string;
  scopes: string[];
  expiresAt: Date;
}

/** Stores a new flow state (and forgets expired ones, so the table stays small). */
export async function saveOAuthState(
  tx: Tx,
  input: {
    stateHash: string;
    userId: string;
    returnTo: string;
    scopes: readonly string[];
    expiresAt: Date;
    now: Date;
  },
): Promise<void> {
  await tx`delete from public.calcom_oauth_states where expires_at < ${input.now}`;
  await tx`
    insert into public.calcom_oauth_states (state_hash, user_id, return_to, scopes, expires_at, created_at)
    values (${input.stateHash}, ${input.userId}, ${input.returnTo}, ${[...input.scopes]}::text[],
            ${input.expiresAt}, ${input.now})`;
}

/**
 * Takes a flow state out of the table: it is deleted whether or not it is still valid, so a state
 * works once at most. Undefined when there is none (unknown, or already used).
 */
export async function consumeOAuthState(tx: Tx, stateHash: string): Promise<StoredOAuthState | undefined> {
  const [row] = await tx<{ user_id: string; return_to: string; scopes: string[]; expires_at: Date }[]>`
    delete from public.calcom_oauth_states where state_hash = ${stateHash}
    returning user_id, return_to, scopes, expires_at`;
  return row &&
    { userId: row.user_id, returnTo: row.return_to, scopes: row.scopes, expiresAt: row.expires_at };
}
