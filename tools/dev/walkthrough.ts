/**
 * What the dev server prints when it is ready: the URLs, the configuration with its defaults, the local
 * keys, and a copy-paste walkthrough with curl (connect, sync, list, cancel in "Cal.com", see the
 * webhook's effect, disconnect). Pure: it renders what it is given. The encryption key and the JWT
 * secret are never printed, only where they come from.
 *
 * @module
 */
import type { DevOptions } from "./dev_options.ts";
import type { DevServerInfo } from "./dev_server.ts";

/** Everything the banner shows. */
export interface BannerInput {
  info: DevServerInfo;
  options: Pick<DevOptions, "sources" | "dataDir">;
  /** An upcoming accepted sandbox booking to cancel in the walkthrough. */
  exampleBookingUid?: string;
  /** Seconds from start to ready. */
  startupSeconds: number;
}

function row(name: string, value: string, note: string): string {
  return `  ${name.padEnd(22)} ${value}${note ? `  (${note})` : ""}`;
}

/** The configuration table: each variable, its value (or where the secret comes from), and the default. */
export function renderConfiguration({ info, options }: Pick<BannerInput, "info" | "options">): string {
  const s = options.sources;
  const db = info.database;
  const lines = [
    "Configuration (environment variables; unset ones use the default shown):",
    row(
      "DATABASE_URL",
      db.kind === "external" ? db.url : "(unset)",
      db.kind === "external" ? "set" : `default: embedded PGlite in ${db.dataDir}`,
    ),
    row(
      "SUPABASE_JWT_SECRET",
      s.jwtSecret === "env" ? "(set, not shown)" : "(unset)",
      s.jwtSecret === "env" ? "set" : "default: the Supabase CLI's local secret",
    ),
    row(
      "CALCOM_API_URL",
      s.calcomApiUrl === "env" ? info.calcom.apiUrl : "(unset)",
      s.calcomApiUrl === "env"
        ? "set: real Cal.com"
        : `default: the in-process sandbox, ${info.calcom.apiUrl}`,
    ),
    row(
      "CALCOM_ENCRYPTION_KEY",
      info.encryptionKeySource === "env" ? "(set, not shown)" : "(unset)",
      info.encryptionKeySource === "env"
        ? "set"
        : `default: a dev key ${
          info.encryptionKeySource === "generated" ? "generated now and " : ""
        }kept in ${info.encryptionKeyFile}`,
    ),
    row("PORT", String(info.port), s.port === "default" ? "default 54321" : `set by ${s.port}`),
  ];
  return lines.join("\n");
}

/** The startup banner. */
export function renderBanner(input: BannerInput): string {
  const { info } = input;
  const fnUrl = info.functionsUrl;
  const dev = `${info.supabaseUrl}/_dev`;
  const sandbox = info.calcom.sandbox;
  const out: string[] = [];
  out.push(`calcom-supabase dev server ready in ${input.startupSeconds.toFixed(1)} s`);
  out.push("");
  out.push(
    `Settings    ${info.supabaseUrl}/ (open in a browser: the CalcomSettings component as the dev user)`,
  );
  out.push(`Functions   ${fnUrl}/<name>`);
  for (const f of info.functions) {
    out.push(`  ${f.name.padEnd(22)} verify_jwt=${String(f.verifyJwt).padEnd(5)}  ready`);
  }
  if (info.database.kind === "embedded") {
    out.push(`Database    embedded PGlite in ${info.database.dataDir} (--reset starts empty)`);
    out.push(`            psql ${info.database.url}`);
  } else {
    out.push(`Database    ${info.database.url}`);
  }
  if (info.database.migrationsApplied.length > 0) {
    out.push(`            applied migrations ${info.database.migrationsApplied.join(", ")}`);
  }
  if (sandbox) {
    out.push(
      `Cal.com     sandbox ${sandbox.url} (API ${sandbox.url}/v2), host "${sandbox.username}" with ${sandbox.bookings} bookings`,
    );
    out.push(`            webhooks are delivered to ${fnUrl}/calcom-webhook/<connection id>`);
    if (sandbox.oauth) {
      out.push(
        `            OAuth client ${sandbox.oauth.clientId}: the page offers Continue with Cal.com ` +
          `(on the sandbox's consent page, sign in as "${sandbox.username}"; --no-oauth turns it off)`,
      );
    }
  } else {
    out.push(
      `Cal.com     ${info.calcom.apiUrl} (webhooks need a public PUBLIC_FUNCTIONS_URL, e.g. a tunnel)`,
    );
  }
  out.push(
    `Dev user    ${info.devUser.email} (id ${info.devUser.id}), token valid until ${info.devUser.expiresAt}`,
  );
  out.push(`Anon key    ${info.anonKey}`);
  out.push(
    `Dev info    ${dev}/info (URLs and keys as JSON; the user token and sandbox key are in the walkthrough)`,
  );
  out.push("");
  out.push(renderConfiguration(input));
  out.push("");
  out.push("Walkthrough (paste into another shell):");
  out.push("");
  out.push(`  FN=${fnUrl}; DEV=${dev}`);
  out.push(`  USER_JWT=${info.devUser.accessToken}`);
  out.push(`  CAL_KEY=${sandbox ? sandbox.apiKey : "<your Cal.com API key, cal_live_...>"}`);
  out.push(`  AUTH="Authorization: Bearer $USER_JWT"; JSON="content-type: application/json"`);
  out.push("");
  out.push(
    "  # 1. Connect the dev user's Cal.com account (validates the key, stores it encrypted, registers the webhook)",
  );
  out.push(
    `  curl -s -X POST "$FN/calcom-connection" -H "$AUTH" -H "$JSON" -d "{\\"apiKey\\": \\"$CAL_KEY\\"}"`,
  );
  out.push("  # 2. Pull the bookings from Cal.com into Postgres");
  out.push(`  curl -s -X POST "$FN/calcom-bookings-sync" -H "$AUTH" -H "$JSON" -d '{}'`);
  out.push(
    "  # 3. List them from the database, under RLS (the dev server runs no PostgREST: read through the function)",
  );
  out.push(`  curl -s "$FN/calcom-bookings-sync?fromDb=true&limit=5" -H "$AUTH"`);
  if (sandbox) {
    out.push(
      "  # 4. Make Cal.com (the sandbox) cancel a booking: its signed webhook lands in calcom-webhook",
    );
    out.push(`  curl -s "$DEV/sandbox/bookings?status=accepted&limit=5"`);
    out.push(`  BOOKING_UID=${input.exampleBookingUid ?? "<uid from the list above>"}`);
    out.push(
      `  curl -s -X POST "$DEV/sandbox/bookings/$BOOKING_UID/cancel" -H "$JSON" -d '{"reason": "Travel plans changed"}'`,
    );
    out.push("  # 5. See the webhook's effect: the booking is CANCELLED in the database");
    out.push(`  curl -s "$FN/calcom-bookings-sync?fromDb=true&status=cancelled&limit=5" -H "$AUTH"`);
  }
  out.push(
    `  # ${
      sandbox ? "6" : "4"
    }. Disconnect (removes the webhook at Cal.com, then the connection and its bookings)`,
  );
  out.push(`  curl -s -X DELETE "$FN/calcom-connection" -H "$AUTH"`);
  if (sandbox?.oauth) {
    out.push(
      `  # Or connect with OAuth: open ${info.supabaseUrl}/, click "Continue with Cal.com", ` +
        `sign in as ${sandbox.username} and click Allow`,
    );
  }
  out.push("");
  out.push("Ctrl-C stops the server. One line per request follows.");
  return out.join("\n");
}
