/**
 * The multivariate drift tests (MMD with permutations, a cross-validated domain classifier: ~0.2 s per
 * model) on a worker thread, so an evaluation round never holds the event loop for them.
 */
import { type MultivariateFeature, multivariateDrift } from '../stats/multivariate';
import { serveThread } from '../thread/serve';

export type MultivariateRequest = { op: 'multivariate'; features: MultivariateFeature[] };

serveThread<MultivariateRequest>(() => ({
  handle: (request) => multivariateDrift(request.features),
}));
