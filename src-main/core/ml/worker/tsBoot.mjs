// Starts a worker thread from TypeScript source (CLI under tsx, tests): registers tsx's loader in
// this thread, then loads the entry. Built apps start the bundled .js entry directly instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
