/**
 * Where each worker thread's module is, in both forms the code runs in: the TypeScript sources (tests,
 * development: started through entry.mjs, which registers tsx in the thread) and the compiled bundle
 * (the bin, `serve`, the Docker image: exporter/dist/<name>.js, started directly). scripts/build.mjs
 * builds one bundle entry per name below.
 */
import { Worker } from 'node:worker_threads';

/** Thread modules: name in exporter/dist → path of the source from this directory. */
export const THREAD_MODULES = {
  'writer-thread': '../store/writer-thread.ts',
  'multivariate-thread': '../evaluate/multivariate-thread.ts',
  'compare-thread': '../compare/compare-thread.ts',
} as const;

export type ThreadName = keyof typeof THREAD_MODULES;

/** True when this code runs from the compiled bundle. */
export const COMPILED = !import.meta.url.endsWith('.ts');

export function threadModule(name: ThreadName): URL {
  return COMPILED ? new URL(`./${name}.js`, import.meta.url) : new URL(THREAD_MODULES[name], import.meta.url);
}

const TSX_ENTRY = new URL('./entry.mjs', import.meta.url);

/** Starts a worker running `module` (a URL from threadModule) with the given workerData. */
export function startWorker(module: URL, data: Record<string, unknown>): Worker {
  if (module.pathname.endsWith('.ts'))
    return new Worker(TSX_ENTRY, { workerData: { ...data, entry: module.href } });
  return new Worker(module, { workerData: data });
}
