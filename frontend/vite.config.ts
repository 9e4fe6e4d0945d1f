import preact from "@preact/preset-vite";
import { defineConfig, loadEnv } from "vite";

// The build lands inside the Python package, which serves it at `/` (frontdesk/web/dashboard.py).
export default defineConfig(({ mode }) => ({
  plugins: [preact()],
  base: "/",
  build: {
    outDir: "../src/frontdesk/web/dashboard",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
  },
  // `npm run dev`: the app from source, the API from a running `frontdesk serve` (FRONTDESK_API).
  server: {
    proxy: Object.fromEntries(
      ["/v1", "/widget.js", "/static", "/dashboard"].map((path) => [
        path,
        { target: loadEnv(mode, ".", "FRONTDESK_").FRONTDESK_API ?? "http://127.0.0.1:8000", ws: true },
      ]),
    ),
  },
}));
