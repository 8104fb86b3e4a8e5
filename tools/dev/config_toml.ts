/**
 * Reads the `[functions.<name>]` settings of a Supabase `config.toml`, the part the dev server and the
 * deploy need, with the Supabase CLI's defaults for what a table leaves out. The TOML itself is parsed by
 * smol-toml.
 *
 * @module
 */
import { parse, type TomlTable, type TomlValue } from "smol-toml";

/** What the dev server needs to know of one `[functions.<name>]` table. */
export interface FunctionConfig {
  /** `enabled`; the Supabase CLI's default is true. */
  enabled: boolean;
  /** `verify_jwt`; the Supabase CLI's default is true. */
  verifyJwt: boolean;
  /** `entrypoint`, relative to the `supabase/` folder, when given. */
  entrypoint?: string;
  /** `import_map`, relative to the `supabase/` folder, when given. */
  importMap?: string;
}

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function optionalBoolean(table: TomlTable, key: string, name: string, fallback: boolean): boolean {
  const value = table[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new Error(`Function ${name}: ${key} must be true or false`);
  return value;
}

function optionalString(table: TomlTable, key: string, name: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`Function ${name}: ${key} must be a string`);
  return value;
}

/**
 * Reads the `[functions.<name>]` tables of a Supabase `config.toml`, with the CLI's defaults for what a
 * table leaves out.
 *
 * @throws {import("smol-toml").TomlError} when the document is not TOML; it names the line and column
 * @throws {Error} when a setting has the wrong type
 */
export function readFunctionsConfig(configToml: string): Record<string, FunctionConfig> {
  const functions = parse(configToml).functions;
  if (functions === undefined) return {};
  if (!isTable(functions)) throw new Error("functions in config.toml must be a table");
  const out: Record<string, FunctionConfig> = {};
  for (const [name, settings] of Object.entries(functions)) {
    if (!isTable(settings)) throw new Error(`Function ${name}: [functions.${name}] must be a table`);
    out[name] = {
      enabled: optionalBoolean(settings, "enabled", name, true),
      verifyJwt: optionalBoolean(settings, "verify_jwt", name, true),
      entrypoint: optionalString(settings, "entrypoint", name),
      importMap: optionalString(settings, "import_map", name),
    };
  }
  return out;
}
