/**
 * Checks the schema with the real Supabase CLI (`node_modules/.bin/supabase`), using only the commands
 * that work without Docker, against fresh databases on `DATABASE_URL`'s server:
 *
 * 1. `migration up`: on an empty database with only the platform shim, the CLI applies every migration
 *    and records it in `supabase_migrations.schema_migrations`; the four tables exist.
 * 2. `migration up` on a database made by tools/db/apply_schema.ts applies nothing (the tools record
 *    migrations the way the CLI does, so a database set up here can later be managed by the CLI).
 * 3. `db advisors`: prints every finding; fails on an ERROR or WARN about our objects (schema public).
 * 4. `gen types typescript`: the committed `supabase/functions/_shared/platform/database.types.ts` matches what
 *    the CLI generates (formatted by `deno fmt`); `--write` regenerates it.
 *
 * Prints one summary line per check, drops the databases and exits non-zero on any failure.
 *
 * Usage: `deno run -A tools/supabase_cli_check.ts [--write]`
 *
 * @module
 */
import { z } from "zod";
import { applyPlatform, readMigrations } from "./db/apply_schema.ts";
import { createTestDatabase, type TestDatabase } from "./db/test_database.ts";

const root = new URL("../", import.meta.url);
/** The generated types file the functions import. */
export const typesFileUrl = new URL("supabase/functions/_shared/platform/database.types.ts", root);
const typesFilePath = "supabase/functions/_shared/platform/database.types.ts";
const supabaseBin = new URL("node_modules/.bin/supabase", root).pathname;
const regenerateCommand = "deno run -A tools/supabase_cli_check.ts --write";
const calcomTables = [
  "calcom_connections",
  "calcom_bookings",
  "calcom_webhook_events",
  "calcom_sync_runs",
  "calcom_webhook_quotas",
  "calcom_webhook_deferrals",
  "calcom_booking_requests",
];

/** First line of the committed types file, so nobody edits it by hand. */
export const typesHeader =
  `// Generated from supabase/migrations by \`supabase gen types typescript --schema public\`.
// Do not edit: regenerate with \`${regenerateCommand}\`.

`;

const AdvisorFindingSchema = z.looseObject({
  name: z.string(),
  title: z.string().optional(),
  level: z.enum(["ERROR", "WARN", "INFO"]),
  detail: z.string(),
  remediation: z.string().nullish(),
  metadata: z.looseObject({ schema: z.string().optional(), name: z.string().optional() }).nullish(),
});
/** One finding of `supabase db advisors --output-format json`. */
export type AdvisorFinding = z.infer<typeof AdvisorFindingSchema>;

/** Reads the advisors' JSON output (`{"results": [...]}`, or a bare array from older CLIs). */
export function parseAdvisorFindings(stdout: string): AdvisorFinding[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new Error(`Cannot read the advisors' output: not JSON (${stdout.slice(0, 80)})`);
  }
  const results = Array.isArray(json) ? json : (json as { results?: unknown })?.results;
  const parsed = z.array(AdvisorFindingSchema).safeParse(results ?? []);
  if (!parsed.success) {
    throw new Error(`Cannot read the advisors' output: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

/** Whether a finding is about something our migrations create (all of it lives in schema public). */
export function concernsOurObjects(finding: AdvisorFinding): boolean {
  if (finding.metadata?.schema) return finding.metadata.schema === "public";
  return finding.detail.includes("public.") || finding.detail.includes("calcom_");
}

/** The findings that fail the check: ERROR or WARN about our objects. INFO is printed, never fatal. */
export function blockingFindings(findings: AdvisorFinding[]): AdvisorFinding[] {
  return findings.filter((f) => f.level !== "INFO" && concernsOurObjects(f));
}

/**
 * Environment for the CLI: no update check or telemetry (no network here), and no TLS attempt on a
 * loopback server, whose "Connected without TLS" warning would otherwise land in the generated types.
 */
export function cliEnv(url: string): Record<string, string> {
  const env: Record<string, string> = {
    SUPABASE_NO_UPDATE_NOTIFIER: "1",
    SUPABASE_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
  };
  const u = new URL(url);
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  if (loopback && !u.searchParams.has("sslmode")) env.PGSSLMODE = "disable";
  return env;
}

/** Where two texts first differ, as a short human-readable note; undefined when they are equal. */
export function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const a = expected.split("\n");
  const b = actual.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const line = i === -1 ? a.length : i;
  return `line ${line + 1}: committed ${JSON.stringify(a[line] ?? "<end of file>")}, ` +
    `generated ${JSON.stringify(b[line] ?? "<end of file>")}`;
}

interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], env: Record<string, string>, stdin?: string) {
  const child = new Deno.Command(cmd, {
    args,
    cwd: root.pathname,
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

function supabase(args: string[], url: string): Promise<CommandOutput> {
  return run(
    supabaseBin,
    [...args, `--remote=${url}`, "--workdir", root.pathname, "--agent", "no"],
    cliEnv(url),
  );
}

function indent(text: string): string {
  return text.trim().split("\n").map((l) => `    ${l}`).join("\n");
}

interface CheckResult {
  name: string;
  ok: boolean;
  summary: string;
}

async function checkMigrationUp(db: TestDatabase): Promise<CheckResult> {
  const name = "migration up";
  const out = await supabase(["migration", "up", "--yes"], db.url);
  if (out.code !== 0) {
    return { name, ok: false, summary: `supabase migration up exited ${out.code}:\n${indent(out.stderr)}` };
  }
  const expected = (await readMigrations()).map((m) => m.version);
  const recorded = (await db.sql<{ version: string }[]>`
    select version from supabase_migrations.schema_migrations order by version`).map((r) => r.version);
  if (recorded.join() !== expected.join()) {
    return {
      name,
      ok: false,
      summary: `recorded migrations ${recorded.join(", ")} differ from the files ${expected.join(", ")}`,
    };
  }
  const missing = (await db.sql<{ table: string; exists: boolean }[]>`
    select t as table, to_regclass('public.' || t) is not null as exists from unnest(${calcomTables}::text[]) t`)
    .filter((r) => !r.exists).map((r) => r.table);
  if (missing.length) {
    return { name, ok: false, summary: `missing tables after migrating: ${missing.join(", ")}` };
  }
  return {
    name,
    ok: true,
    summary: `${recorded.length} migrations applied and recorded in supabase_migrations.schema_migrations; ` +
      `${calcomTables.length} tables exist`,
  };
}

async function checkToolsMatchCli(): Promise<CheckResult> {
  const name = "migration up on tools' database";
  await using db = await createTestDatabase();
  const out = await supabase(["migration", "up", "--yes"], db.url);
  if (out.code !== 0) {
    return { name, ok: false, summary: `supabase migration up exited ${out.code}:\n${indent(out.stderr)}` };
  }
  const applied = out.stderr.split("\n").filter((l) => l.startsWith("Applying migration"));
  if (applied.length) {
    return {
      name,
      ok: false,
      summary: `the CLI re-applied migrations tools/db/apply_schema.ts had applied:\n${
        indent(applied.join("\n"))
      }`,
    };
  }
  return { name, ok: true, summary: "a database made by tools/db/apply_schema.ts is up to date for the CLI" };
}

async function checkAdvisors(db: TestDatabase): Promise<CheckResult> {
  const name = "db advisors";
  const out = await supabase(
    ["db", "advisors", "--type", "all", "--level", "info", "--output-format", "json"],
    db.url,
  );
  if (out.code !== 0) {
    return { name, ok: false, summary: `supabase db advisors exited ${out.code}:\n${indent(out.stderr)}` };
  }
  const findings = parseAdvisorFindings(out.stdout);
  for (const f of findings) {
    console.log(`  ${f.level.padEnd(5)} ${f.name}: ${f.detail}`);
  }
  const count = (level: string) => findings.filter((f) => f.level === level).length;
  const counts = `${count("ERROR")} errors, ${count("WARN")} warnings, ${count("INFO")} info`;
  const blocking = blockingFindings(findings);
  if (blocking.length) {
    return {
      name,
      ok: false,
      summary: `${counts}; ${blocking.length} about our objects must be fixed in supabase/migrations: ` +
        blocking.map((f) => f.name).join(", "),
    };
  }
  return { name, ok: true, summary: `${counts}; none (ERROR or WARN) about our objects` };
}

async function formatTypeScript(source: string): Promise<string> {
  const out = await run(Deno.execPath(), ["fmt", "--ext", "ts", "-"], { NO_COLOR: "1" }, source);
  if (out.code !== 0) throw new Error(`Cannot format the generated types: deno fmt exited ${out.code}`);
  return out.stdout;
}

async function checkTypes(db: TestDatabase, write: boolean): Promise<CheckResult> {
  const name = "gen types";
  const out = await supabase(["gen", "types", "typescript", "--schema", "public"], db.url);
  if (out.code !== 0) {
    return { name, ok: false, summary: `supabase gen types exited ${out.code}:\n${indent(out.stderr)}` };
  }
  if (!out.stdout.includes("export type Database")) {
    return {
      name,
      ok: false,
      summary: `supabase gen types printed no Database type: ${out.stdout.slice(0, 120)}`,
    };
  }
  const generated = typesHeader + await formatTypeScript(out.stdout);
  if (write) {
    await Deno.writeTextFile(typesFileUrl, generated);
    return { name, ok: true, summary: `wrote ${typesFilePath}` };
  }
  const committed = await Deno.readTextFile(typesFileUrl).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return "";
    throw err;
  });
  const difference = firstDifference(committed, generated);
  if (difference) {
    return {
      name,
      ok: false,
      summary: `${typesFilePath} is stale (${difference}); regenerate it with \`${regenerateCommand}\``,
    };
  }
  return { name, ok: true, summary: `${typesFilePath} matches the schema` };
}

async function main(args: string[]): Promise<boolean> {
  const write = args.includes("--write");
  const results: CheckResult[] = [];
  {
    // The CLI's own path from nothing: an empty database with only what a Supabase project provides.
    await using db = await createTestDatabase({ schema: false });
    await applyPlatform(db.sql);
    console.log(`=== supabase migration up (database ${db.name})`);
    const migrated = await checkMigrationUp(db);
    results.push(migrated);
    if (migrated.ok) {
      console.log("=== supabase db advisors");
      results.push(await checkAdvisors(db));
      console.log("=== supabase gen types typescript");
      results.push(await checkTypes(db, write));
    } else {
      results.push({ name: "db advisors", ok: false, summary: "not run: the migrations did not apply" });
      results.push({ name: "gen types", ok: false, summary: "not run: the migrations did not apply" });
    }
  }
  console.log("=== supabase migration up on a database made by tools/db/apply_schema.ts");
  results.push(await checkToolsMatchCli());

  console.log("\n=== supabase CLI checks");
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(32)} ${r.summary}`);
  return results.every((r) => r.ok);
}

if (import.meta.main) {
  let ok: boolean;
  try {
    ok = await main(Deno.args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    ok = false;
  }
  Deno.exit(ok ? 0 : 1);
}
