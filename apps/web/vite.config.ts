import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// The server (apps/server) serves dist/ at / with a strict CSP (script-src 'self'): the build must
// not inline any script, so the module preload polyfill (an inline-free module) is kept but nothing
// is inlined into index.html.
export default defineConfig({
  plugins: [solid()],
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    assetsInlineLimit: 0,
  },
  server: {
    // `vite` (dev) talks to a server started with `npm start` on :4000, WebSocket included.
    proxy: { "/graphql": { target: "http://127.0.0.1:4000", ws: true } },
  },
});
