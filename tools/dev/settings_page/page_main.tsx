/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dev server's settings page (browser side): reads the dev user's token and the anon key from
 * `/_dev/info`, makes a supabase-js client signed in as the dev user, and renders `<CalcomSettings>`.
 * The dev server has no Realtime, so the component polls; `?poll=<ms>` sets the interval and
 * `?pageSize=<n>` the bookings per page.
 *
 * @module
 */
import { createClient } from "@supabase/supabase-js";
import { createRoot } from "react-dom/client";
import { CalcomSettings } from "../../../ui/settings/CalcomSettings.tsx";

interface DevInfo {
  supabaseUrl: string;
  anonKey: string;
  devUser: { id: string; email: string; accessToken: string };
  calcom: { sandbox?: { apiKey: string; username: string } };
}

const root = createRoot(document.getElementById("root")!);

try {
  const info: DevInfo = await (await fetch("/_dev/info")).json();
  const params = new URLSearchParams(location.search);
  const poll = Number(params.get("poll") ?? 10_000);
  const pageSize = Number(params.get("pageSize") ?? 10);
  const supabase = createClient(info.supabaseUrl, info.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers: { Authorization: `Bearer ${info.devUser.accessToken}` } },
  });
  const sandbox = info.calcom.sandbox;
  root.render(
    <>
      <header className="dev-banner">
        <h1>Settings</h1>
        <p>
          Dev server: signed in as <strong>{info.devUser.email}</strong>.
          {sandbox
            ? (
              <>
                {" "}Sandbox host <strong>{sandbox.username}</strong>, its key: <code>{sandbox.apiKey}</code>
              </>
            )
            : null}
        </p>
      </header>
      <main>
        <CalcomSettings
          supabase={supabase}
          userId={info.devUser.id}
          realtime={false}
          pollIntervalMs={poll}
          pageSize={pageSize}
        />
      </main>
    </>,
  );
} catch (err) {
  root.render(<p role="alert">Cannot reach the dev server: {String(err)}</p>);
}
