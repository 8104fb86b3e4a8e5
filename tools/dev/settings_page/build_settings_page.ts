/**
 * Bundles the settings page with esbuild, into memory: the script (React, react-dom, supabase-js and
 * the component, minified) and the component's stylesheet. Also measures the component alone, without
 * React, react-dom and supabase-js, for the size reported in docs/ui.md.
 *
 * @module
 */
import * as esbuild from "esbuild";

const root = new URL("../../../", import.meta.url);
const pageEntry = new URL("./page_main.tsx", import.meta.url);
const componentEntry = new URL("ui/settings/CalcomSettings.tsx", root);
const stylesheet = new URL("ui/settings/calcom_settings.css", root);

/** The built page. */
export interface SettingsPageBundle {
  js: Uint8Array;
  css: Uint8Array;
}

const common: esbuild.BuildOptions = {
  bundle: true,
  write: false,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  absWorkingDir: root.pathname,
  define: { "process.env.NODE_ENV": '"production"' },
  logLevel: "silent",
};

/** Builds the page's script and stylesheet (about a second). */
export async function buildSettingsPage(): Promise<SettingsPageBundle> {
  try {
    const [js, css] = await Promise.all([
      esbuild.build({ ...common, entryPoints: [pageEntry.pathname] }),
      esbuild.build({ ...common, entryPoints: [stylesheet.pathname] }),
    ]);
    return { js: js.outputFiles![0].contents, css: css.outputFiles![0].contents };
  } finally {
    await esbuild.stop();
  }
}

/** The component's minified size and gzip size in bytes, React, react-dom and supabase-js left out. */
export async function componentBundleSize(): Promise<{ bytes: number; gzipBytes: number }> {
  try {
    const result = await esbuild.build({
      ...common,
      entryPoints: [componentEntry.pathname],
      external: ["react", "react/*", "react-dom", "react-dom/*", "@supabase/supabase-js"],
    });
    const bytes = result.outputFiles![0].contents;
    const gzipped = await new Response(
      new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    return { bytes: bytes.length, gzipBytes: gzipped.byteLength };
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  const { bytes, gzipBytes } = await componentBundleSize();
  console.log(
    `CalcomSettings: ${bytes} bytes minified, ${gzipBytes} bytes gzip (without react, supabase-js)`,
  );
}
