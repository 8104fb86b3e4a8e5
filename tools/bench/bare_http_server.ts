/**
 * The cold-start benchmark's reference: a bare `Deno.serve` that answers every request with a short
 * text, started exactly as the functions' `index.ts` are (`deno run` of the file, the address from
 * `DENO_SERVE_ADDRESS`). The least a Deno HTTP server takes from process start to its first answer.
 *
 * @module
 */
Deno.serve(() => new Response("ok"));
