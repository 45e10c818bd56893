/**
 * The stats worker thread: the multivariate drift tests (MMD with permutations, a cross-validated domain
 * classifier: ~0.2 s per model) and references taken from the log (reading and profiling millions of
 * rows), so neither holds the event loop that serves scrapes and ingest.
 */
import { type FromLogRequest, profileFromLog } from '../reference/from-log';
import { type MultivariateFeature, multivariateDrift } from '../stats/multivariate';
import { openDatabase } from '../store/db';
import { serveThread } from '../thread/serve';

export type MultivariateRequest =
  | { op: 'multivariate'; features: MultivariateFeature[] }
  | { op: 'fromLog'; path: string; busyTimeout: number; request: FromLogRequest };

serveThread<MultivariateRequest>(() => ({
  handle: (request) => {
    if (request.op === 'multivariate') return multivariateDrift(request.features);
    const db = openDatabase(request.path, { readonly: true, busyTimeout: request.busyTimeout });
    try {
      return profileFromLog(db, request.request);
    } finally {
      db.close();
    }
  },
}));
