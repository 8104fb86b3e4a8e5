/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * "Continue with Cal.com" (or "Reconnect Cal.com"): starts the OAuth flow with this page as the place to
 * come back to, and sends the browser to Cal.com's consent page. Cal.com sends it back here with the
 * outcome in the query, which CalcomSettings reads (oauth_return.ts).
 *
 * @module
 */
import { useState } from "react";
import type { CalcomClient } from "../client/calcom_supabase_client.ts";
import { humanError } from "./error_messages.ts";
import { readOAuthReturn } from "./oauth_return.ts";

/** Props of {@linkcode OAuthButton}. */
export interface OAuthButtonProps {
  client: CalcomClient;
  /** The button's text (default "Continue with Cal.com"). */
  label?: string;
  /** Extra class names on the button. */
  className?: string;
  /** Where the browser goes; the default leaves the page for Cal.com's consent page. */
  navigate?: (url: string) => void;
}

/** The page's URL as a return address: without a previous outcome and without a fragment (not allowed). */
export function returnAddress(href: string): string {
  const url = new URL(readOAuthReturn(href).cleanUrl);
  url.hash = "";
  return url.toString();
}

/** Starts "Continue with Cal.com". */
export function OAuthButton(
  { client, label = "Continue with Cal.com", className, navigate = (url) => globalThis.location.assign(url) }:
    OAuthButtonProps,
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const { authorizeUrl } = await client.oauthStart({ returnTo: returnAddress(globalThis.location.href) });
      navigate(authorizeUrl);
    } catch (err) {
      setError(humanError(err, "oauth").message);
      setBusy(false);
    }
  }

  return (
    <>
      <button
        type="button"
        className={`calcom-button calcom-primary${className ? ` ${className}` : ""}`}
        disabled={busy}
        aria-busy={busy}
        onClick={start}
      >
        {label}
      </button>
      {busy ? <span className="calcom-muted" role="status">Opening Cal.com…</span> : null}
      {error ? <p className="calcom-error" role="alert">{error}</p> : null}
    </>
  );
}
