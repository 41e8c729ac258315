export { loadWorkerConfig, type WorkerConfig } from "./config";
export { type DevSmtp, startDevSmtp } from "./devSmtp";
export { type RunningWorker, type StartWorkerOptions, startWorker } from "./worker";
