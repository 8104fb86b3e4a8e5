import assert from "node:assert/strict";
import { envFileText, listsSecret, parseDeployArgs } from "./deploy.ts";

const root = new URL("../", import.meta.url);
const REF = "abcdefghijklmnopqrst";
const SECRET_VALUES = {
  CALCOM_ENCRYPTION_KEY: "ZW52LWVuY3J5cHRpb24ta2V5LXRoYXQtaXMtMzItYnl0ZXM=",
  CALCOM_CRON_SECRET: "cron-secret-value-that-is-long-enough-0123456789",
};

/**
 * A stand-in for the Supabase CLI: a shell script that records each call's arguments (and, for
 * `secrets set`, the env file's mode and content) and answers `secrets list` with `$FAKE_SECRETS_LIST`.
 */
async function fakeCli(dir: string, options: { secretsList?: string; listExit?: number } = {}) {
  const log = `${dir}/calls.log`;
  const script = `${dir}/supabase`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh
echo "ARGS $*" >> "${log}"
if [ "$1 $2" = "secrets list" ]; then
  printf '%s' '${options.secretsList ?? "[]"}'
  exit ${options.listExit ?? 0}
fi
if [ "$1 $2" = "secrets set" ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = "--env-file" ]; then
      echo "MODE $(stat -c %a "$2" 2>/dev/null || stat -f %Lp "$2")" >> "${log}"
      sed 's/^/ENV /' "$2" >> "${log}"
    fi
    shift
  done
fi
exit 0
`,
    { mode: 0o755 },
  );
  return {
    script,
    calls: async () => (await Deno.readTextFile(log).catch(() => "")).trim().split("\n").filter(Boolean),
  };
}

async function deploy(args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tools/deploy.ts", ...args],
    cwd: root,
    env: { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "deploy_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a dry run prints the exact steps, runs nothing and prints no secret value", async () => {
  await withTempDir(async (dir) => {
    const cli = await fakeCli(dir);
    const result = await deploy(["--dry-run", "--project-ref", REF], {
      SUPABASE_CLI: cli.script,
      CALCOM_API_URL: "https://api.cal.com",
      ...SECRET_VALUES,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      `Deploying to project ${REF} with ${cli.script}
Dry run: printing the steps, running nothing.
==> [1/5] Apply the database migrations
    supabase db push --remote=${REF} --yes
==> [2/5] Set the function secrets
    supabase secrets list --remote=${REF} -o json
    supabase secrets set --remote=${REF} --yes --env-file <owner-only temp file>
    secrets: CALCOM_ENCRYPTION_KEY (generated if the project has none, never printed), CALCOM_API_URL, CALCOM_CRON_SECRET (from this environment)
==> [3/5] Deploy the function calcom-connection
    supabase functions deploy calcom-connection --remote=${REF} --use-api --yes
==> [4/5] Deploy the function calcom-bookings-sync
    supabase functions deploy calcom-bookings-sync --remote=${REF} --use-api --yes
==> [5/5] Deploy the function calcom-webhook
    supabase functions deploy calcom-webhook --remote=${REF} --use-api --yes
Dry run complete: nothing ran.
`,
    );
    for (const value of Object.values(SECRET_VALUES)) {
      assert.equal(result.stdout.includes(value) || result.stderr.includes(value), false);
    }
    assert.deepEqual(await cli.calls(), []);
  });
});

Deno.test("a dry run for the linked project pushes with a bare --remote and names no project", async () => {
  await withTempDir(async (dir) => {
    const cli = await fakeCli(dir);
    const result = await deploy(["--dry-run", "--only", "migrations,functions"], {
      SUPABASE_CLI: cli.script,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Deploying to the linked project/m);
    assert.match(
      result.stdout,
      /==> \[1\/4\] Apply the database migrations\n {4}supabase db push --remote --yes\n/,
    );
    assert.match(result.stdout, /supabase functions deploy calcom-webhook --use-api --yes\n/);
    assert.equal(result.stdout.includes("secrets"), false);
  });
});

Deno.test("a deploy to a project without an encryption key generates one and passes it only in an owner-only file", async () => {
  await withTempDir(async (dir) => {
    const cli = await fakeCli(dir, { secretsList: '[{"name":"SUPABASE_URL","value":"d1"}]' });
    const result = await deploy(["--project-ref", REF], {
      SUPABASE_CLI: cli.script,
      CALCOM_CRON_SECRET: SECRET_VALUES.CALCOM_CRON_SECRET,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const calls = await cli.calls();
    const args = calls.filter((l) => l.startsWith("ARGS "));
    assert.deepEqual(args.map((l) => l.replace(/--env-file \S+/, "--env-file FILE")), [
      `ARGS db push --remote=${REF} --yes`,
      `ARGS secrets list --remote=${REF} -o json`,
      `ARGS secrets set --remote=${REF} --yes --env-file FILE`,
      `ARGS functions deploy calcom-connection --remote=${REF} --use-api --yes`,
      `ARGS functions deploy calcom-bookings-sync --remote=${REF} --use-api --yes`,
      `ARGS functions deploy calcom-webhook --remote=${REF} --use-api --yes`,
    ]);
    assert.ok(calls.includes("MODE 600"), calls.join("\n"));
    const env = calls.filter((l) => l.startsWith("ENV "));
    assert.equal(env.length, 2);
    const key = env[0].match(/^ENV CALCOM_ENCRYPTION_KEY='([A-Za-z0-9+/=]{44})'$/)?.[1];
    assert.ok(key, env[0]);
    assert.equal(atob(key).length, 32);
    assert.equal(env[1], `ENV CALCOM_CRON_SECRET='${SECRET_VALUES.CALCOM_CRON_SECRET}'`);
    assert.equal(args.some((l) => l.includes(key) || l.includes(SECRET_VALUES.CALCOM_CRON_SECRET)), false);
    assert.equal(result.stdout.includes(key), false);
    assert.match(result.stdout, /CALCOM_ENCRYPTION_KEY: the project has none; generated a new one/);
    // The temporary file is gone.
    const file = args[2].match(/--env-file (\S+)/)![1];
    assert.equal(await Deno.stat(file).then(() => true, () => false), false);
  });
});

Deno.test("a project that has an encryption key keeps it, even when this environment holds another", async () => {
  await withTempDir(async (dir) => {
    const cli = await fakeCli(dir, { secretsList: '[{"name":"CALCOM_ENCRYPTION_KEY","value":"digest"}]' });
    const result = await deploy(["--project-ref", REF, "--only", "secrets"], {
      SUPABASE_CLI: cli.script,
      CALCOM_ENCRYPTION_KEY: SECRET_VALUES.CALCOM_ENCRYPTION_KEY,
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(await cli.calls(), [`ARGS secrets list --remote=${REF} -o json`]);
    assert.match(result.stdout, /the project has one; left as it is/);
    assert.match(result.stdout, /nothing to set/);
  });
});

Deno.test("when the secrets cannot be listed no secret is set and nothing after it runs", async () => {
  await withTempDir(async (dir) => {
    const cli = await fakeCli(dir, { listExit: 1, secretsList: "" });
    const result = await deploy(["--project-ref", REF], { SUPABASE_CLI: cli.script });
    assert.equal(result.code, 1);
    assert.deepEqual(await cli.calls(), [
      `ARGS db push --remote=${REF} --yes`,
      `ARGS secrets list --remote=${REF} -o json`,
    ]);
    assert.match(
      result.stdout,
      /Failed: Check which function secrets the project has \(exit code 1\); no secret was changed/,
    );
  });
});

Deno.test("a missing CLI is reported before anything runs", async () => {
  const result = await deploy(["--project-ref", REF], { SUPABASE_CLI: "/nonexistent/supabase" });
  assert.equal(result.code, 1);
  assert.match(result.stdout, /The Supabase CLI is not at \/nonexistent\/supabase: run npm ci/);
});

Deno.test("bad arguments are refused with a message", () => {
  assert.throws(() => parseDeployArgs(["--project-ref", "Not-A-Ref"], {}), /must be 20 lowercase letters/);
  assert.throws(() => parseDeployArgs([], { SUPABASE_PROJECT_REF: "short" }), /must be 20 lowercase letters/);
  assert.throws(() => parseDeployArgs(["--only", "functions,docs"], {}), /Unknown step docs/);
  assert.throws(() => parseDeployArgs(["--force"], {}), /Unknown argument --force/);
  assert.equal(parseDeployArgs([], { SUPABASE_PROJECT_REF: REF }).projectRef, REF);
  assert.equal(parseDeployArgs([`--project-ref=${REF}`], {}).projectRef, REF);
});

Deno.test("the secrets list is read whether the CLI prints JSON or a table", () => {
  assert.equal(listsSecret('[{"name":"CALCOM_ENCRYPTION_KEY","value":"x"}]', "CALCOM_ENCRYPTION_KEY"), true);
  assert.equal(
    listsSecret("  NAME                  | DIGEST\n  CALCOM_ENCRYPTION_KEY | abc\n", "CALCOM_ENCRYPTION_KEY"),
    true,
  );
  assert.equal(listsSecret('[{"name":"CALCOM_ENCRYPTION_KEY_OLD"}]', "CALCOM_ENCRYPTION_KEY"), false);
  assert.equal(listsSecret("[]", "CALCOM_ENCRYPTION_KEY"), false);
});

Deno.test("the secrets file refuses a value it cannot quote, without showing it", () => {
  assert.equal(envFileText({ A: "x+/=", B: "https://e.example/f" }), "A='x+/='\nB='https://e.example/f'\n");
  assert.throws(
    () => envFileText({ A: "it's secret" }),
    (err: Error) =>
      /Cannot pass A: its value contains a quote/.test(err.message) && !err.message.includes("secret'"),
  );
});
