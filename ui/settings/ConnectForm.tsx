/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The connect form: "Continue with Cal.com" when the operator configured OAuth, and beside it "API key"
 * (with where to find one), a "Cal.com server" choice when the operator allows self-hosted servers,
 * optional "Label" and "Webhook secret", and "Connect Cal.com". Errors appear next to the field they
 * concern.
 *
 * @module
 */
import { type FormEvent, useId, useState } from "react";
import type { CalcomClient, ConnectionView } from "../client/calcom_supabase_client.ts";
import { type HumanError, humanError } from "./error_messages.ts";
import { OAuthButton } from "./OAuthButton.tsx";

/** Props of {@linkcode ConnectForm}. */
export interface ConnectFormProps {
  client: CalcomClient;
  /** Called with the new (or reconnected) connection and the API's message. */
  onConnected(connection: ConnectionView, message: string): void;
  /** Whether an account is connected already (changes the heading). */
  hasConnections: boolean;
  /** Whether "Continue with Cal.com" is offered (`oauthEnabled` of the list). */
  oauthEnabled?: boolean;
  /** The servers a connection may be made to (`calcomOrigins` of the list); a choice when more than one. */
  calcomOrigins?: string[];
}

/** Connects a Cal.com account with an API key. */
export function ConnectForm(
  { client, onConnected, hasConnections, oauthEnabled = false, calcomOrigins = [] }: ConnectFormProps,
) {
  const id = useId();
  const [apiKey, setApiKey] = useState("");
  const [server, setServer] = useState("");
  const choosing = calcomOrigins.length > 1;
  // the default server until the person picks another (also when the list changes under the form)
  const chosen = choosing && calcomOrigins.includes(server) ? server : calcomOrigins[0];
  const [label, setLabel] = useState("");
  const [webhookSecret, setWebhookSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HumanError | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await client.connect({
        apiKey: apiKey.trim(),
        ...(choosing && chosen ? { calcomApiUrl: chosen } : {}),
        ...(label.trim() ? { label: label.trim() } : {}),
        ...(webhookSecret ? { webhookSecret } : {}),
      });
      setApiKey("");
      setLabel("");
      setWebhookSecret("");
      onConnected(result.connection, result.message);
    } catch (err) {
      setError(humanError(err, "connect"));
    } finally {
      setBusy(false);
    }
  }

  const errorFor = (field: HumanError["field"]) =>
    error && error.field === field
      ? <p id={`${id}-${field}-error`} className="calcom-field-error" role="alert">{error.message}</p>
      : null;
  const describedBy = (field: string, hint?: string) =>
    [hint, error?.field === field ? `${id}-${field}-error` : undefined].filter(Boolean).join(" ") ||
    undefined;

  return (
    <section className="calcom-card calcom-connect" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        {hasConnections ? "Connect another Cal.com account" : "Connect your Cal.com account"}
      </h3>
      {oauthEnabled
        ? (
          <>
            <div className="calcom-oauth">
              <OAuthButton client={client} />
              <p className="calcom-hint">Sign in to Cal.com and allow access: no API key to copy.</p>
            </div>
            <p className="calcom-divider">Or connect with an API key</p>
          </>
        )
        : null}
      <form onSubmit={submit} noValidate>
        <div className="calcom-field">
          <label htmlFor={`${id}-apiKey`}>API key</label>
          <input
            id={`${id}-apiKey`}
            name="apiKey"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
            aria-invalid={error?.field === "apiKey" ? true : undefined}
            aria-describedby={describedBy("apiKey", `${id}-apiKey-hint`)}
          />
          <p id={`${id}-apiKey-hint`} className="calcom-hint">
            Create one in Cal.com under Settings → Developer → API keys. Keys start with{" "}
            <code>cal_live_</code> or <code>cal_test_</code>.
          </p>
          {errorFor("apiKey")}
        </div>
        {choosing
          ? (
            <div className="calcom-field">
              <label htmlFor={`${id}-server`}>Cal.com server</label>
              <select
                id={`${id}-server`}
                name="calcomApiUrl"
                value={chosen}
                onChange={(e) => setServer(e.target.value)}
                aria-describedby={`${id}-server-hint`}
              >
                {calcomOrigins.map((origin, i) => (
                  <option key={origin} value={origin}>{i === 0 ? `${origin} (default)` : origin}</option>
                ))}
              </select>
              <p id={`${id}-server-hint`} className="calcom-hint">
                Where your Cal.com account lives: the default, or a self-hosted Cal.com this app allows.
              </p>
            </div>
          )
          : null}
        <div className="calcom-field">
          <label htmlFor={`${id}-label`}>Label</label>
          <input
            id={`${id}-label`}
            name="label"
            type="text"
            maxLength={100}
            placeholder="Optional, e.g. Work"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            aria-invalid={error?.field === "label" ? true : undefined}
            aria-describedby={describedBy("label")}
          />
          {errorFor("label")}
        </div>
        <div className="calcom-field">
          <label htmlFor={`${id}-webhookSecret`}>Webhook secret</label>
          <input
            id={`${id}-webhookSecret`}
            name="webhookSecret"
            type="password"
            autoComplete="off"
            placeholder="Optional"
            value={webhookSecret}
            onChange={(e) => setWebhookSecret(e.target.value)}
            aria-invalid={error?.field === "webhookSecret" ? true : undefined}
            aria-describedby={describedBy("webhookSecret", `${id}-webhookSecret-hint`)}
          />
          <p id={`${id}-webhookSecret-hint`} className="calcom-hint">
            Only needed if you register the webhook in Cal.com yourself; otherwise one is generated.
          </p>
          {errorFor("webhookSecret")}
        </div>
        {error && !error.field ? <p className="calcom-error" role="alert">{error.message}</p> : null}
        <button type="submit" className="calcom-button calcom-primary" disabled={busy} aria-busy={busy}>
          Connect Cal.com
        </button>
        {busy ? <span className="calcom-muted" role="status">Checking the key with Cal.com…</span> : null}
      </form>
    </section>
  );
}
