/**
 * A module (or a few) imported on first use instead of at start, as `lazy_client.ts` does for the Cal.com
 * client: `const code = lazyImport(() => import("./x.ts"))`, then `(await code()).f()`. The import runs
 * once; after a failure the next call tries again.
 *
 * @module
 */

/** Answers a function that imports with `load` on its first call and hands out that result after. */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    loaded ??= load().catch((err) => {
      loaded = undefined;
      throw err;
    });
}
