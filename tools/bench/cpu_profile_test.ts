import assert from "node:assert/strict";
import { summarizeProfile } from "./cpu_profile.ts";

Deno.test("a profile is summarised by self time per function and per file", () => {
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
  const summary = summarizeProfile({
    nodes: [
      { id: 1, callFrame: frame("(idle)", "") },
      { id: 2, callFrame: frame("parseBody", "file:///work/main/supabase/functions/calcom-webhook/x.ts", 9) },
      {
        id: 3,
        callFrame: frame(
          "data",
          "file:///root/.cache/deno/npm/registry.npmjs.org/postgres/3.4.9/src/c.js",
          1,
        ),
      },
    ],
    samples: [1, 2, 2, 3, 2, 1, 1, 1],
  }, { top: 2 });
  assert.equal(
    summary,
    [
      "Functions (self time, 8 samples)",
      " 50.0%  (idle)  (native):1",
      " 37.5%  parseBody  supabase/functions/calcom-webhook/x.ts:10",
      "",
      "Files (self time, 8 samples)",
      " 50.0%  (native)",
      " 37.5%  supabase/functions/calcom-webhook/x.ts",
    ].join("\n"),
  );
});
