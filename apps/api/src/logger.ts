import pino from "pino";

/** Structured logs; anything that could carry a credential is redacted before it is written. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  redact: {
    paths: [
      "req.headers.authorization",
      "req.headers.cookie",
      "password",
      "token",
      "value",
      "secret",
      "*.password",
      "*.token",
      "*.value",
      "*.secret",
    ],
    censor: "[redacted]",
  },
});
