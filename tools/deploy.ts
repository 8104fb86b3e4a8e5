/**
 * `npm run deploy` (`deno task deploy`): ships the project to a Supabase project with the pinned
 * Supabase CLI (`node_modules/.bin/supabase`), in three steps that stop at the first failure:
 *
 * 1. migrations: `supabase db push`
 * 2. function secrets: `supabase secrets set --env-file <file>`; CALCOM_ENCRYPTION_KEY is generated when
 *    the project has none (checked with `supabase secrets list`) and never printed; the values travel in
 *    an owner-only temporary file, never on the command line
 * 3. the functions: `supabase functions deploy <name> --use-api` for each, with config.toml's
 *    `verify_jwt` and `import_map`
 *
 * `--dry-run` prints every step and runs nothing. See docs/operations.md.
 *
 * @module
 */
import { randomEncryptionKey } from "../supabase/functions/_shared/platform/secret_box.ts";
import { readFlags } from "./cli_flags.ts";
import { readFunctionsConfig } from "./dev/config_toml.ts";

const root = new URL("../", import.meta.url);

/** The function secrets passed on from the deployer's environment when set there. */
export const PASSED_SECRETS = [
  "CALCOM_API_URL",
  "CALCOM_API_ORIGINS",
  "CALCOM_API_ORIGINS_ALLOW_HTTP",
  "PUBLIC_FUNCTIONS_URL",
  "CALCOM_SYNC_DEADLINE_SECONDS",
  "CALCOM_ENCRYPTION_OLD_KEYS",
  "CALCOM_DB_POOL_MAX",
  "CALCOM_BOOKINGS_PAGING",
  "CALCOM_CRON_SECRET",
  "CALCOM_OAUTH_CLIENT_ID",
  "CALCOM_OAUTH_CLIENT_SECRET",
  "CALCOM_OAUTH_REDIRECT_URL",
  "CALCOM_OAUTH_RETURN_URLS",
  "CALCOM_OAUTH_AUTHORIZE_URL",
  "CALCOM_OAUTH_SCOPES",
  "CALCOM_SYNC_WORKERS",
] as const;

export const ENCRYPTION_KEY = "CALCOM_ENCRYPTION_KEY";

const STEPS = ["migrations", "secrets", "functions"] as const;
/** A part of the deploy that `--only` can select. */
export type StepName = typeof STEPS[number];

/** The deploy's settings. */
export interface DeployOptions {
  /** The project ref (`--project-ref` or SUPABASE_PROJECT_REF); the linked project when undefined. */
  projectRef?: string;
  dryRun: boolean;
  only: StepName[];
  /** The Supabase CLI; SUPABASE_CLI overrides the pinned one. */
  cli: string;
  help: boolean;
}

export const USAGE =
  `Usage: deno task deploy [--project-ref <ref>] [--dry-run] [--only migrations,secrets,functions]
       (npm run deploy -- ...)

Deploys to a Supabase project with the pinned Supabase CLI: database migrations (supabase db push),
function secrets (supabase secrets set; CALCOM_ENCRYPTION_KEY is generated when the project has none),
then the three Edge Functions (supabase functions deploy --use-api).

  --project-ref <ref>  the project (env SUPABASE_PROJECT_REF); default: the project 'supabase link' chose
  --dry-run            print each step, run nothing
  --only <steps>       run only some steps (comma-separated)

Needs a Supabase access token: run 'npx supabase login' or set SUPABASE_ACCESS_TOKEN.
Secrets passed on when set in this environment: ${PASSED_SECRETS.join(", ")}.
`;

const DEPLOY_FLAGS = {
  "project-ref": { type: "string" },
  "dry-run": { type: "boolean" },
  only: { type: "string" },
  help: { type: "boolean" },
} as const;

/**
 * Reads the deploy's flags and environment.
 *
 * @throws {Error} naming a bad flag or a malformed project ref
 */
export function parseDeployArgs(args: string[], env: Record<string, string | undefined>): DeployOptions {
  const flags = readFlags(args, DEPLOY_FLAGS, (problem) => {
    if (problem.kind === "missing-value") return new Error(`${problem.flag} needs a value`);
    return new Error(`Unknown argument ${problem.arg}; see --help`);
  });
  const projectRef = flags["project-ref"] ?? (env.SUPABASE_PROJECT_REF?.trim() || undefined);
  let only: StepName[] = [...STEPS];
  if (flags.only !== undefined) {
    const names = flags.only.split(",").map((s) => s.trim());
    const unknown = names.filter((n) => !(STEPS as readonly string[]).includes(n));
    if (unknown.length) {
      throw new Error(`Unknown step ${unknown.join(", ")}; steps are ${STEPS.join(", ")}`);
    }
    only = STEPS.filter((s) => names.includes(s));
  }
  if (projectRef !== undefined && !/^[a-z]{20}$/.test(projectRef)) {
    throw new Error(
      "The project ref must be 20 lowercase letters (Project Settings → General → Reference ID)",
    );
  }
  const cli = env.SUPABASE_CLI?.trim() || new URL("node_modules/.bin/supabase", root).pathname;
  return { projectRef, dryRun: flags["dry-run"] === true, only, cli, help: flags.help === true };
}

/** One command of the plan. */
export interface Command {
  title: string;
  args: string[];
}

/** What the deploy will do, before it does it. */
export interface DeployPlan {
  migrations?: Command;
  secrets?: {
    list: Command;
    /** `--env-file` is appended with the temporary file when it runs. */
    set: Command;
    /** Secrets taken from the deployer's environment (names; values stay in `values`). */
    passed: string[];
  };
  functions: Command[];
}

/**
 * Plans the deploy: the CLI calls for the chosen steps, for the project ref or the linked project.
 * Pure: nothing runs.
 */
export function planDeploy(
  options: Pick<DeployOptions, "projectRef" | "only">,
  functionNames: string[],
  env: Record<string, string | undefined>,
): DeployPlan {
  const target = options.projectRef ? [`--remote=${options.projectRef}`] : [];
  const plan: DeployPlan = { functions: [] };
  if (options.only.includes("migrations")) {
    plan.migrations = {
      title: "Apply the database migrations",
      // db push targets the local database unless told otherwise; bare --remote is the linked project.
      args: ["db", "push", options.projectRef ? `--remote=${options.projectRef}` : "--remote", "--yes"],
    };
  }
  if (options.only.includes("secrets")) {
    plan.secrets = {
      list: {
        title: "Check which function secrets the project has",
        args: ["secrets", "list", ...target, "-o", "json"],
      },
      set: { title: "Set the function secrets", args: ["secrets", "set", ...target, "--yes"] },
      passed: PASSED_SECRETS.filter((name) => (env[name] ?? "").trim() !== ""),
    };
  }
  if (options.only.includes("functions")) {
    plan.functions = functionNames.map((name) => ({
      title: `Deploy the function ${name}`,
      // --use-api bundles on Supabase's side: no Docker needed; verify_jwt and import_map come from config.toml.
      args: ["functions", "deploy", name, ...target, "--use-api", "--yes"],
    }));
  }
  return plan;
}

/** Whether `output` of `supabase secrets list` (JSON or a table) names `name`. */
export function listsSecret(output: string, name: string): boolean {
  return new RegExp(`(^|[^A-Z0-9_])${name}([^A-Z0-9_]|$)`).test(output);
}

/**
 * The text of a dotenv file for `supabase secrets set --env-file` (single-quoted: taken literally).
 *
 * @throws {Error} naming (never showing) a value that cannot be written that way
 */
export function envFileText(secrets: Record<string, string>): string {
  return Object.entries(secrets).map(([name, value]) => {
    if (/['\r\n]/.test(value)) {
      throw new Error(`Cannot pass ${name}: its value contains a quote or a line break`);
    }
    return `${name}='${value}'\n`;
  }).join("");
}

/** Runs a CLI command; `capture` keeps stdout (for `secrets list`) instead of showing it. */
export type CommandRunner = (
  cli: string,
  args: string[],
  options: { capture: boolean },
) => Promise<{ code: number; stdout: string }>;

/** Runs the real CLI from the project root, its output shown live unless captured. */
export const runCommand: CommandRunner = async (cli, args, { capture }) => {
  const child = new Deno.Command(cli, {
    args,
    cwd: root,
    stdin: "inherit",
    stdout: capture ? "piped" : "inherit",
    stderr: "inherit",
  }).spawn();
  const [status, stdout] = await Promise.all([
    child.status,
    capture ? new Response(child.stdout).text() : Promise.resolve(""),
  ]);
  return { code: status.code, stdout };
};

function show(args: string[]): string {
  return ["supabase", ...args].join(" ");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Carries out (or, with `dryRun`, prints) a plan. Returns the exit code: 0 when every step succeeded.
 */
export async function runDeploy(
  plan: DeployPlan,
  options: { cli: string; dryRun: boolean; env: Record<string, string | undefined> },
  io: { run: CommandRunner; log: (line: string) => void },
): Promise<number> {
  const { cli, dryRun } = options;
  const total = (plan.migrations ? 1 : 0) + (plan.secrets ? 1 : 0) + plan.functions.length;
  let n = 0;
  const step = (title: string, line: string) => io.log(`==> [${++n}/${total}] ${title}\n    ${line}`);
  const run = async (command: Command): Promise<boolean> => {
    step(command.title, show(command.args));
    if (dryRun) return true;
    const { code } = await io.run(cli, command.args, { capture: false });
    if (code !== 0) io.log(`Failed: ${command.title} (exit code ${code}); nothing after it ran`);
    return code === 0;
  };

  if (dryRun) io.log("Dry run: printing the steps, running nothing.");
  else if (!await isFile(cli)) {
    io.log(`The Supabase CLI is not at ${cli}: run npm ci (it is pinned in package.json)`);
    return 1;
  }
  if (plan.migrations && !await run(plan.migrations)) return 1;

  if (plan.secrets) {
    const { list, set, passed } = plan.secrets;
    step(
      set.title,
      `${show(list.args)}\n    ${show([...set.args, "--env-file", "<owner-only temp file>"])}` +
        `\n    secrets: ${ENCRYPTION_KEY} (generated if the project has none, never printed)` +
        (passed.length ? `, ${passed.join(", ")} (from this environment)` : ""),
    );
    if (!dryRun) {
      const listed = await io.run(cli, list.args, { capture: true });
      if (listed.code !== 0) {
        // Without the list, a new key could replace the project's and make every stored API key unreadable.
        io.log(`Failed: ${list.title} (exit code ${listed.code}); no secret was changed`);
        return 1;
      }
      const secrets: Record<string, string> = {};
      if (listsSecret(listed.stdout, ENCRYPTION_KEY)) {
        io.log(`    ${ENCRYPTION_KEY}: the project has one; left as it is`);
        if (options.env[ENCRYPTION_KEY]) {
          io.log(
            `    (${ENCRYPTION_KEY} in this environment is ignored: rotating is a manual step, see docs)`,
          );
        }
      } else {
        secrets[ENCRYPTION_KEY] = options.env[ENCRYPTION_KEY]?.trim() || randomEncryptionKey();
        io.log(
          `    ${ENCRYPTION_KEY}: the project has none; ${
            options.env[ENCRYPTION_KEY] ? "setting the one from this environment" : "generated a new one"
          }`,
        );
      }
      for (const name of passed) secrets[name] = options.env[name]!.trim();
      if (Object.keys(secrets).length === 0) {
        io.log("    nothing to set");
      } else {
        const dir = await Deno.makeTempDir({ prefix: "calcom-deploy-" });
        try {
          const file = `${dir}/secrets.env`;
          await Deno.writeTextFile(file, envFileText(secrets), { mode: 0o600, createNew: true });
          const { code } = await io.run(cli, [...set.args, "--env-file", file], { capture: false });
          if (code !== 0) {
            io.log(`Failed: ${set.title} (exit code ${code}); nothing after it ran`);
            return 1;
          }
          io.log(`    set ${Object.keys(secrets).join(", ")}`);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      }
    }
  }

  for (const command of plan.functions) {
    if (!await run(command)) return 1;
  }
  io.log(dryRun ? "Dry run complete: nothing ran." : "Deployed.");
  return 0;
}

/** The enabled functions of config.toml, in its order. */
export async function deployableFunctions(): Promise<string[]> {
  const functions = readFunctionsConfig(await Deno.readTextFile(new URL("supabase/config.toml", root)));
  return Object.entries(functions).filter(([, f]) => f.enabled).map(([name]) => name);
}

async function main(): Promise<number> {
  let options: DeployOptions;
  try {
    options = parseDeployArgs(Deno.args, Deno.env.toObject());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const env = Deno.env.toObject();
  if (!options.projectRef && !await isFile(new URL("supabase/.temp/project-ref", root).pathname)) {
    const message =
      "No project: pass --project-ref <ref> (or SUPABASE_PROJECT_REF), or run 'npx supabase link' first";
    if (!options.dryRun) {
      console.error(message);
      return 2;
    }
    console.log(`Note: ${message}`);
  }
  const plan = planDeploy(options, await deployableFunctions(), env);
  console.log(
    `Deploying to ${options.projectRef ? `project ${options.projectRef}` : "the linked project"}` +
      ` with ${options.cli}`,
  );
  return await runDeploy(plan, { cli: options.cli, dryRun: options.dryRun, env }, {
    run: runCommand,
    log: (line) => console.log(line),
  });
}

if (import.meta.main) Deno.exit(await main());
