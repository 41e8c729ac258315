export { createApp } from "./app";
export { createLucia } from "./auth/lucia";
export { type Config, loadConfig } from "./config";
export type { AppDeps } from "./deps";
export type { AppRouter } from "./trpc/router";
