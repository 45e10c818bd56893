// Entry of every worker thread (see client.ts): load the TypeScript sources through tsx's loader in this
// thread, whoever started it (the CLI, vitest, a bench script), then run the module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
