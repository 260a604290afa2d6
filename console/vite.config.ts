import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The host embeds `dist/` and serves it at `/`; in development, `npm run dev` proxies the API
// to a host on :8080.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the host's Content Security Policy forbids them.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", changeOrigin: false },
      "/actions": { target: "http://127.0.0.1:8080", changeOrigin: false },
      "/events": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
});
