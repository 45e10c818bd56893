/**
 * Drift: per-feature test scores and verdicts, the reference and current histograms, dataset,
 * prediction and multivariate drift, and the per-bin observation counters that fleet-wide PSI is
 * computed from. The cardinality guards' counter sits here too (it counts the values folded away
 * before the bins are filled).
 */
import { OTHER } from '../evaluate/window';
import { type Collector, family, type HandlesOf, refreshed, setFinite } from './family';
import { binRatioSeries } from './series';

export const DRIFT_FAMILIES = [
  family(
    'gauge',
    'feature_drift_score',
    ['model', 'feature', 'method'],
    'Drift score of the feature, current window vs reference, for the test used (a p-value for ks/chisquare/ztest).',
  ),
  family(
    'gauge',
    'feature_drift_p_value',
    ['model', 'feature', 'method'],
    'p-value of the feature drift test, for tests that have one.',
  ),
  family(
    'gauge',
    'feature_drift_threshold',
    ['model', 'feature', 'method'],
    'Threshold in force for the drift score: the calibrated line (max of the noise quantile and the smallest change counted) or, for p-value tests, the level; the configured threshold under the threshold rule.',
  ),
  family(
    'gauge',
    'feature_drifted',
    ['model', 'feature'],
    '1 when the feature is drifted (confirmed over the configured number of evaluations), else 0.',
  ),
  family(
    'gauge',
    'dataset_drift_share_ratio',
    ['model'],
    'Share of features drifted in the current window (0-1).',
  ),
  family(
    'gauge',
    'dataset_drift',
    ['model'],
    '1 when the drifted share reaches the dataset drift threshold, else 0.',
  ),
  family(
    'gauge',
    'prediction_drift_score',
    ['model', 'method'],
    'Drift score of the model output (score or predicted label) vs reference.',
  ),
  family(
    'gauge',
    'prediction_drift_threshold',
    ['model', 'method'],
    'Threshold in force for the prediction drift score (as feature_drift_threshold).',
  ),
  family(
    'gauge',
    'prediction_drifted',
    ['model'],
    '1 when the model output is drifted (confirmed over the configured number of evaluations), else 0.',
  ),
  family(
    'gauge',
    'multivariate_drift_score',
    ['model', 'method'],
    'Multivariate drift over the numeric features together (method="mmd": unbiased MMD^2; method="classifier": cross-validated ROC AUC of a reference-vs-current classifier, 0.5 = no drift).',
  ),
  family(
    'gauge',
    'multivariate_drift_p_value',
    ['model', 'method'],
    'Permutation p-value of the multivariate MMD test (method="mmd").',
  ),
  family(
    'gauge',
    'feature_bin_ratio',
    ['model', 'feature', 'bin', 'dataset'],
    'Share of the feature values falling in the bin (dataset="reference" or "current"); bin is the upper edge, "+Inf", or the category.',
  ),
  refreshed(
    'round',
    family(
      'counter',
      'feature_bin_observations_total',
      ['model', 'feature', 'bin'],
      'Observations of the feature per reference bin since start (mergeable across replicas for fleet-wide PSI).',
    ),
  ),
  refreshed(
    'round',
    family(
      'counter',
      'cardinality_limited_total',
      ['model', 'kind'],
      'Values the cardinality guards dropped or folded into "__other__" since start, by kind: model (predictions of models beyond limits.max_models, stored but not monitored; model="__other__"), model_version (beyond limits.max_model_versions), feature and attribute (values of columns beyond limits.max_features), category (new values once a column holds 10,000 distinct ones, or once limits.max_window_bytes is spent).',
    ),
  ),
] as const;

export const drift: Collector<HandlesOf<typeof DRIFT_FAMILIES>> = {
  name: 'drift',

  round(h, engine) {
    if (engine.unmonitored.total > 0)
      h.modelwatch_cardinality_limited_total.inc({ model: OTHER, kind: 'model' }, engine.unmonitored.total);
  },

  model(h, monitor) {
    const model = monitor.name;
    const result = monitor.latest;
    if (result) {
      for (const f of result.features) {
        const r = f.result;
        const feature = f.name;
        if (r.test !== null) {
          const labels = { model, feature, method: r.test };
          setFinite(h.modelwatch_feature_drift_score, labels, r.score);
          setFinite(h.modelwatch_feature_drift_threshold, labels, r.threshold);
          if (r.direction === 'p_value') setFinite(h.modelwatch_feature_drift_p_value, labels, r.score);
        }
        if (f.drifted !== null) h.modelwatch_feature_drifted.set({ model, feature }, f.drifted ? 1 : 0);
        for (const s of binRatioSeries(r.bins, monitor.maxCategories)) {
          const ratio = h.modelwatch_feature_bin_ratio;
          setFinite(ratio, { model, feature, bin: s.bin, dataset: 'reference' }, s.reference);
          if (result.windowRows > 0)
            setFinite(ratio, { model, feature, bin: s.bin, dataset: 'current' }, s.current);
        }
      }
      if (result.dataset) {
        setFinite(h.modelwatch_dataset_drift_share_ratio, { model }, result.dataset.share);
        h.modelwatch_dataset_drift.set({ model }, result.dataset.drifted ? 1 : 0);
      }
      const p = result.prediction;
      if (p?.test) {
        setFinite(h.modelwatch_prediction_drift_score, { model, method: p.test }, p.score);
        setFinite(h.modelwatch_prediction_drift_threshold, { model, method: p.test }, p.threshold);
      }
      if (result.predictionDrifted !== null)
        h.modelwatch_prediction_drifted.set({ model }, result.predictionDrifted ? 1 : 0);
      const mv = result.multivariate;
      const score = h.modelwatch_multivariate_drift_score;
      setFinite(score, { model, method: 'mmd' }, mv?.mmd?.score);
      setFinite(score, { model, method: 'classifier' }, mv?.classifier?.score);
      setFinite(h.modelwatch_multivariate_drift_p_value, { model, method: 'mmd' }, mv?.mmd?.p_value);
    }
    for (const [kind, count] of Object.entries(monitor.guardCounts()))
      if (count > 0) h.modelwatch_cardinality_limited_total.inc({ model, kind }, count);
    for (const [feature, bins] of monitor.binObservations()) {
      for (const [bin, count] of bins)
        h.modelwatch_feature_bin_observations_total.inc({ model, feature, bin }, count);
    }
  },
};
