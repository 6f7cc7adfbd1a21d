// Built at `make install` into indexer/web/dist (inside the package, so a wheel carries it), which `styleledger serve` serves at /.
import { defineConfig } from "vite";

export default defineConfig({
  root: ".",
  base: "/",
  build: {
    outDir: "../indexer/web/dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npm run dev -w web` against a running `styleledger serve` on :8000
    proxy: Object.fromEntries(
      ["/config.json", "/projects", "/tokens", "/styles", "/accounts", "/epochs", "/drafts",
       "/health", "/platform", "/adapters"].map((p) => [p, "http://127.0.0.1:8000"]),
    ),
  },
});
