import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// `npm run dev` passes the API's address; the proxy keeps the browser's Origin, so the API's
// CSRF check (Origin must equal APP_URL, here Vite's address) lets cookie writes through.
const api = process.env.KEYFLOW_API_URL ?? "http://localhost:3000";

export default defineConfig({
  plugins: [solid()],
  server: {
    port: 5173,
    proxy: { "/trpc": api, "/api": api },
  },
  build: { target: "es2022", sourcemap: true },
});
