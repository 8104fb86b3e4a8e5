/**
 * The HTML shell of the dev server's settings page; the script and styles come from
 * `/_dev/ui/settings.js` and `/_dev/ui/settings.css`.
 *
 * @module
 */

/** The page at `/` for browsers. */
export const SETTINGS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Cal.com settings · calcom-supabase dev server</title>
<link rel="stylesheet" href="/_dev/ui/settings.css">
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: Canvas; color: CanvasText; }
  .dev-banner { padding: 16px 16px 0; max-width: 880px; }
  .dev-banner h1 { margin: 0 0 4px; font-size: 1.75rem; }
  .dev-banner p { margin: 0; overflow-wrap: anywhere; }
</style>
</head>
<body>
<div id="root"><p>Loading…</p></div>
<script type="module" src="/_dev/ui/settings.js"></script>
</body>
</html>
`;
