/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A connection's webhook: the "Webhook URL" to copy, whether Cal.com holds it, its health over the last
 * 24 hours, and how to register it by hand.
 *
 * @module
 */
import { useId, useState } from "react";
import type { ConnectionView } from "../client/calcom_supabase_client.ts";
import { exactTime, relativeTime } from "./format.ts";

/** Props of {@linkcode WebhookPanel}. */
export interface WebhookPanelProps {
  connection: ConnectionView;
  now: () => Date;
  timeZone?: string;
}

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (an insecure origin, a denied prompt): select it for Ctrl-C instead.
    input?.select();
    return false;
  }
}

/** The webhook part of a connection card. */
export function WebhookPanel({ connection, now, timeZone }: WebhookPanelProps) {
  const id = useId();
  const [copied, setCopied] = useState<"copied" | "select" | null>(null);
  const health = connection.webhookHealth;
  const stalled = health && (health.refused24h > 0 || health.notApplied24h > 0);

  return (
    <section className="calcom-panel" aria-labelledby={`${id}-title`}>
      <h4 id={`${id}-title`}>Webhooks</h4>
      <div className="calcom-field">
        <label htmlFor={`${id}-url`}>Webhook URL</label>
        <div className="calcom-copy-row">
          <input id={`${id}-url`} type="text" readOnly value={connection.webhookUrl} />
          <button
            type="button"
            className="calcom-button"
            onClick={async () => {
              const ok = await copyText(
                connection.webhookUrl,
                document.getElementById(`${id}-url`) as HTMLInputElement,
              );
              setCopied(ok ? "copied" : "select");
            }}
          >
            Copy
          </button>
        </div>
        <p className="calcom-muted" role="status">
          {copied === "copied"
            ? "Copied to the clipboard"
            : copied === "select"
            ? "Selected: press Ctrl+C to copy"
            : ""}
        </p>
      </div>
      {connection.webhookRegistered ? <p className="calcom-ok">Registered with Cal.com</p> : (
        <>
          <p className="calcom-warning">
            Not registered with Cal.com{connection.webhookError ? `: ${connection.webhookError}` : ""}
          </p>
          <details className="calcom-details">
            <summary>Register the webhook by hand</summary>
            <ol>
              <li>In Cal.com, open Settings → Developer → Webhooks and choose New.</li>
              <li>Paste the Webhook URL above as the Subscriber URL.</li>
              <li>
                Enter the webhook secret you chose when connecting (connect again with a Webhook secret if you
                did not choose one).
              </li>
              <li>Select every booking and meeting trigger, leave Payload template empty, and save.</li>
            </ol>
          </details>
        </>
      )}
      {health
        ? (
          <dl className="calcom-facts" aria-label="Webhook health">
            <div>
              <dt>Last verified delivery</dt>
              <dd>
                {health.lastVerifiedAt
                  ? (
                    <time dateTime={health.lastVerifiedAt} title={exactTime(health.lastVerifiedAt, timeZone)}>
                      {relativeTime(health.lastVerifiedAt, now())}
                    </time>
                  )
                  : "None yet"}
              </dd>
            </div>
            <div>
              <dt>Deliveries (24 h)</dt>
              <dd>{health.deliveries24h}</dd>
            </div>
            <div>
              <dt>Refused, bad signature (24 h)</dt>
              <dd className={health.refused24h > 0 ? "calcom-warning" : undefined}>{health.refused24h}</dd>
            </div>
            <div>
              <dt>Not applied (24 h)</dt>
              <dd className={health.notApplied24h > 0 ? "calcom-warning" : undefined}>
                {health.notApplied24h}
              </dd>
            </div>
          </dl>
        )
        : null}
      {stalled
        ? (
          <p className="calcom-warning">
            Some deliveries were refused or not applied: check that the secret in Cal.com matches, then sync.
          </p>
        )
        : null}
    </section>
  );
}
