/**
 * The flags `pnpm serve` (root package.json) and `pnpm --filter @enrollwatch/server start` run the
 * bundled server with; a test holds both scripts to this list, and the bench's processes use it.
 *
 * `--heap-growing-percent=100`: V8 lets the old generation grow up to 4× its live size before a
 * full collection. The server's live heap is small (a 100k-device sync's peak holds ~47 MB live in
 * a ~180 MB heap), so most of its RSS was garbage waiting; growing 2× at most took the sync's
 * peak RSS from ~365–400 MB to ~275 MB with no measured slowdown.
 * `--enable-source-maps`: stack traces point at the TypeScript, not the bundle.
 */
export const SERVER_NODE_FLAGS = ["--enable-source-maps", "--heap-growing-percent=100"] as const;
