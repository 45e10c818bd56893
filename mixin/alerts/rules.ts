/**
 * The recording rules (alert-rules/modelwatch.rules.yml). The zero-share replacement of the fleet PSI
 * is the exporter's own (EMPTY_BIN_PROPORTION), so fleet PSI and the exporter's PSI agree.
 */
import { EMPTY_BIN_PROPORTION } from '../../exporter/src/stats/drift-tests/common';
import type { RecordingGroup } from './yaml';

const EPS = EMPTY_BIN_PROPORTION.toExponential();

export const RECORDING_HEADER = `modelwatch recording rules. Generated from mixin/alerts/rules.ts by npm run generate: edit there.

Names follow the Prometheus convention level:metric:operations, where level lists the labels the
result keeps. Every metric used here is defined in exporter/src/metrics/catalog.ts; the
cross-package tests (test/provisioning.test.ts) check that, and \`promtool test rules\` checks the
values (alert-rules/tests/).`;

export const RECORDING_GROUPS: RecordingGroup[] = [
  {
    name: 'modelwatch.traffic',
    rules: [
      {
        comment: 'Predictions and labels per second, summed over replicas and model versions.',
        record: 'model:modelwatch_predictions:rate5m',
        expr: 'sum by (model) (rate(modelwatch_predictions_total[5m]))',
      },
      {
        record: 'model:modelwatch_feedback:rate5m',
        expr: 'sum by (model) (rate(modelwatch_feedback_total[5m]))',
      },
    ],
  },
  {
    comment: `Fleet-wide PSI per model and feature (docs/statistics.md), computed from the per-bin observation
counters summed over every replica, never as an average of per-replica PSIs: the PSI of the
merged traffic is not the mean of the replicas' PSIs. Rules of a group are evaluated in order,
so each rule sees the previous ones' results of the same evaluation.`,
    name: 'modelwatch.fleet_psi',
    rules: [
      {
        comment: `Observations per bin over the last hour, all replicas together, counted per replica (job,
instance) as exactly as the samples allow:
- the same process as an hour ago (process_start_time_seconds unchanged): the counter now minus
  the counter an hour ago (a bin series that did not exist then started at 0);
- a replica that Prometheus did not see an hour ago and that started within the hour (a new
  replica or pod): the counter itself, which counts from 0 at the start of the process;
- otherwise (restarted within the hour, or no sample an hour ago): increase().
Not increase() alone: it extrapolates every series to the ends of the hour from its own first
and last samples, so a replica that started within the hour is scaled up by about
scrape interval / age (a 15 s scrape, a 5-minute-old replica: up to 5 %) and replicas scraped at
different moments by different factors; the merged shares would then not be the shares of the
merged traffic (docs/multi-replica.md, test/multireplica.test.ts).`,
        record: 'model_feature_bin:modelwatch_feature_bin_observations:increase1h',
        expr: `sum by (model, feature, bin) (
    (
        modelwatch_feature_bin_observations_total
      -
        (
            modelwatch_feature_bin_observations_total offset 1h
          or
            modelwatch_feature_bin_observations_total * 0
        )
    )
      and on (job, instance)
    (process_start_time_seconds == process_start_time_seconds offset 1h)
  or
    (
      modelwatch_feature_bin_observations_total
        unless on (job, instance)
      process_start_time_seconds offset 1h
    )
      and on (job, instance)
    (process_start_time_seconds > time() - 3600)
  or
    increase(modelwatch_feature_bin_observations_total[1h])
)`,
      },
      {
        comment: `Current proportions c_i: the bin's share of the feature's observations in the last hour.
Features without any observation in the hour get no series (instead of 0/0 = NaN).`,
        record: 'model_feature_bin:modelwatch_feature_bin_current:ratio1h',
        expr: `model_feature_bin:modelwatch_feature_bin_observations:increase1h
  / on (model, feature) group_left ()
(sum by (model, feature) (model_feature_bin:modelwatch_feature_bin_observations:increase1h) > 0)`,
      },
      {
        comment: `Reference proportions r_i. Every replica exports the same reference profile; max collapses
the copies. The exporter exports a reference series for every bin of the union (0 for a
category the reference never saw).`,
        record: 'model_feature_bin:modelwatch_feature_bin_reference:ratio',
        expr: 'max by (model, feature, bin) (modelwatch_feature_bin_ratio{dataset="reference"})',
      },
      {
        comment: `c_i with exact zeros replaced by ${EPS} (replacement, not clamping: 5e-5 stays 5e-5).
A reference bin without any counter series yet counts as an exact zero too, but only for
features that have current observations.`,
        record: 'model_feature_bin:modelwatch_feature_bin_current:ratio1h_nonzero',
        expr: `(model_feature_bin:modelwatch_feature_bin_current:ratio1h > 0)
  or
(model_feature_bin:modelwatch_feature_bin_current:ratio1h * 0 + ${EPS})
  or
(
  (model_feature_bin:modelwatch_feature_bin_reference:ratio * 0 + ${EPS})
    and on (model, feature)
  model_feature_bin:modelwatch_feature_bin_current:ratio1h
)`,
      },
      {
        comment: `r_i with exact zeros replaced by ${EPS}; a bin seen only in current traffic (no reference
series) counts as a zero, but only for features that have a reference.`,
        record: 'model_feature_bin:modelwatch_feature_bin_reference:ratio_nonzero',
        expr: `(model_feature_bin:modelwatch_feature_bin_reference:ratio > 0)
  or
(model_feature_bin:modelwatch_feature_bin_reference:ratio * 0 + ${EPS})
  or
(
  (model_feature_bin:modelwatch_feature_bin_current:ratio1h * 0 + ${EPS})
    and on (model, feature)
  model_feature_bin:modelwatch_feature_bin_reference:ratio
)`,
      },
      {
        comment: 'PSI = sum_i (c_i - r_i) * ln(c_i / r_i).',
        record: 'model_feature:modelwatch_feature_psi:fleet1h',
        expr: `sum by (model, feature) (
    (
        model_feature_bin:modelwatch_feature_bin_current:ratio1h_nonzero
      - model_feature_bin:modelwatch_feature_bin_reference:ratio_nonzero
    )
  * ln(
        model_feature_bin:modelwatch_feature_bin_current:ratio1h_nonzero
      / model_feature_bin:modelwatch_feature_bin_reference:ratio_nonzero
    )
)`,
      },
    ],
  },
  {
    comment: `Realised-performance baselines for ModelPerformanceDegraded: the hourly mean, then the mean of
those over seven days ending one day ago (a degradation younger than a day does not pull its
own baseline down). Only whole-model series (no segment label).`,
    name: 'modelwatch.performance_hourly',
    interval: '1m',
    rules: [
      {
        record: 'instance_model_window:modelwatch_model_accuracy_ratio:avg1h',
        expr: 'avg_over_time(modelwatch_model_accuracy_ratio{segment=""}[1h])',
      },
      {
        record: 'instance_model_window:modelwatch_model_f1_ratio:avg1h',
        expr: 'avg_over_time(modelwatch_model_f1_ratio{segment=""}[1h])',
      },
      {
        record: 'instance_model_window:modelwatch_model_roc_auc_ratio:avg1h',
        expr: 'avg_over_time(modelwatch_model_roc_auc_ratio{segment=""}[1h])',
      },
    ],
  },
  {
    name: 'modelwatch.performance_baseline',
    interval: '5m',
    rules: [
      {
        record: 'instance_model_window:modelwatch_model_accuracy_ratio:baseline7d',
        expr: 'avg_over_time(instance_model_window:modelwatch_model_accuracy_ratio:avg1h[7d] offset 1d)',
      },
      {
        record: 'instance_model_window:modelwatch_model_f1_ratio:baseline7d',
        expr: 'avg_over_time(instance_model_window:modelwatch_model_f1_ratio:avg1h[7d] offset 1d)',
      },
      {
        record: 'instance_model_window:modelwatch_model_roc_auc_ratio:baseline7d',
        expr: 'avg_over_time(instance_model_window:modelwatch_model_roc_auc_ratio:avg1h[7d] offset 1d)',
      },
    ],
  },
];
