/** Files below a folder, depth first, for the tests that read the tree. */
export async function* walk(dir: URL, keep: (name: string) => boolean): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walk(url, keep);
    else if (entry.isFile && keep(entry.name)) yield url;
  }
}
