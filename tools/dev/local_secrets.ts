/**
 * Dev-only secrets the dev server generates once and keeps with the local data (never in git: `.local/`
 * is ignored), so API keys encrypted in the embedded database stay readable across restarts.
 *
 * @module
 */
import { z } from "zod";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";

/** The generated secrets and where they are kept. */
export interface LocalSecrets {
  /** 32 random bytes, base64: what `CALCOM_ENCRYPTION_KEY` would hold. */
  encryptionKey: string;
  /** The file they are kept in. */
  path: string;
  /** Whether this call generated them. */
  created: boolean;
}

const FileSchema = z.object({ encryptionKey: z.string().min(1) });

/** The file name under the data folder. */
export const LOCAL_SECRETS_FILE = "dev_secrets.json";

/**
 * Reads `<dataDir>/dev_secrets.json`, generating it (readable by the owner only) when missing.
 *
 * @throws {Error} when the file exists but cannot be read as dev secrets (it is left untouched)
 */
export async function loadOrCreateLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const path = `${dataDir.replace(/\/+$/, "")}/${LOCAL_SECRETS_FILE}`;
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // reported below
    }
    const result = FileSchema.safeParse(parsed);
    if (!result.success) throw new Error(`Cannot read ${path}: not dev secrets; fix or delete it`);
    return { encryptionKey: result.data.encryptionKey, path, created: false };
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const encryptionKey = randomEncryptionKey();
  // createNew: two dev servers starting at once must not each write a different key
  await Deno.writeTextFile(path, JSON.stringify({ encryptionKey }, null, 2) + "\n", {
    mode: 0o600,
    createNew: true,
  });
  return { encryptionKey, path, created: true };
}
