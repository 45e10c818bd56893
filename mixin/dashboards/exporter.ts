/** modelwatch / Exporter health (modelwatch-exporter). */

import { CONFIG } from '../config';
import {
  byRegexp,
  dashboard,
  heatmapPanel,
  instant,
  labelVariable,
  quantiles,
  range,
  row,
  statPanel,
  timeSeriesPanel,
  valueMap,
} from './lib';

export default dashboard({
  uid: 'modelwatch-exporter',
  title: 'modelwatch / Exporter health',
  description:
    'The modelwatch exporters themselves: scrape status, evaluation loop, ingest, HTTP and the Node.js process.',
  tags: ['modelwatch', 'exporter'],
  from: 'now-3h',
  variables: [
    labelVariable('instance', 'Exporter', 'label_values(up{job="modelwatch"}, instance)', { multi: true }),
  ],
  panels: [
    statPanel({
      title: 'Up',
      grid: [0, 0, 6, 4],
      unit: 'short',
      steps: ['red', [1, 'green']],
      mapping: valueMap({ '0': ['DOWN', 'red'], '1': ['UP', 'green'] }),
      color: 'background',
      queries: [instant('up{job="modelwatch", instance=~"$instance"}', '{{instance}}')],
    }),
    statPanel({
      title: 'Version',
      grid: [6, 0, 6, 4],
      unit: 'short',
      nameOnly: true,
      queries: [instant('modelwatch_build_info{instance=~"$instance"}', '{{version}}')],
    }),
    statPanel({
      title: 'Uptime',
      grid: [12, 0, 6, 4],
      unit: 's',
      queries: [
        instant(
          'time() - process_start_time_seconds{job="modelwatch", instance=~"$instance"}',
          '{{instance}}',
        ),
      ],
    }),
    statPanel({
      title: 'Database size',
      grid: [18, 0, 6, 4],
      unit: 'bytes',
      queries: [instant('modelwatch_database_size_bytes{instance=~"$instance"}', '{{instance}}')],
    }),
    row('Evaluation', 4),
    heatmapPanel({
      title: 'Evaluation duration',
      grid: [0, 5, 12, 8],
      unit: 's',
      queries: [
        range(
          'sum by (le) (increase(modelwatch_evaluation_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval]))',
          '{{le}}',
          'heatmap',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Evaluation duration quantiles',
      grid: [12, 5, 12, 8],
      unit: 's',
      queries: [
        ...quantiles('modelwatch_evaluation_duration_seconds_bucket{instance=~"$instance"}'),
        range(
          'sum(rate(modelwatch_evaluation_duration_seconds_sum{instance=~"$instance"}[$__rate_interval])) / sum(rate(modelwatch_evaluation_duration_seconds_count{instance=~"$instance"}[$__rate_interval]))',
          'mean',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Time since last evaluation',
      description: 'ModelwatchEvaluationStalled fires above 15 minutes (dashed).',
      grid: [0, 13, 12, 8],
      unit: 's',
      steps: ['green', [CONFIG.exporter.stalledSeconds, 'red']],
      thresholdsStyle: 'dashed',
      queries: [
        range(
          'time() - modelwatch_last_evaluation_timestamp_seconds{instance=~"$instance"}',
          '{{model}} ({{instance}})',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Evaluation errors',
      description: 'Failed evaluations per model.',
      grid: [12, 13, 12, 8],
      unit: 'short',
      decimals: 0,
      queries: [
        range(
          'sum by (model) (increase(modelwatch_evaluation_errors_total{instance=~"$instance"}[$__rate_interval]))',
          '{{model}}',
        ),
      ],
    }),
    row('Ingest and HTTP', 21),
    timeSeriesPanel({
      title: 'Predictions ingested',
      grid: [0, 22, 8, 8],
      unit: 'reqps',
      queries: [
        range(
          'sum by (model) (rate(modelwatch_predictions_total{instance=~"$instance"}[$__rate_interval]))',
          '{{model}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Ingest rejects by reason',
      grid: [8, 22, 8, 8],
      unit: 'reqps',
      fillOpacity: 30,
      stacked: true,
      queries: [
        range(
          'sum by (reason) (rate(modelwatch_ingest_rejected_total{instance=~"$instance"}[$__rate_interval]))',
          '{{reason}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'HTTP requests by route and code',
      grid: [16, 22, 8, 8],
      unit: 'reqps',
      queries: [
        range(
          'sum by (route, code) (rate(modelwatch_http_request_duration_seconds_count{instance=~"$instance"}[$__rate_interval]))',
          '{{route}} {{code}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'HTTP latency p95 by route',
      grid: [0, 30, 8, 8],
      unit: 's',
      queries: [
        range(
          'histogram_quantile(0.95, sum by (le, route) (rate(modelwatch_http_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
          '{{route}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Scrape duration and samples',
      grid: [8, 30, 8, 8],
      unit: 's',
      overrides: [
        byRegexp('/^samples/', [
          { id: 'unit', value: 'short' },
          { id: 'custom.axisPlacement', value: 'right' },
        ]),
      ],
      queries: [
        range('scrape_duration_seconds{job="modelwatch", instance=~"$instance"}', 'duration {{instance}}'),
        range('scrape_samples_scraped{job="modelwatch", instance=~"$instance"}', 'samples {{instance}}'),
      ],
    }),
    timeSeriesPanel({
      title: 'Cardinality guards',
      description:
        'Values folded into "__other__" or dropped because a cap was reached (limits.max_models, max_model_versions, max_features, 10,000 categories per column), per second by model and kind. Anything here means a client sends more distinct values than the caps allow: see docs/configuration.md#cardinality-guards.',
      grid: [16, 30, 8, 8],
      unit: 'reqps',
      fillOpacity: 30,
      stacked: true,
      queries: [
        range(
          'sum by (model, kind) (rate(modelwatch_cardinality_limited_total{instance=~"$instance"}[$__rate_interval]))',
          '{{model}} {{kind}}',
        ),
      ],
    }),
    row('Process', 38),
    timeSeriesPanel({
      title: 'CPU',
      description: 'CPU seconds per second (1 = one core).',
      grid: [0, 39, 8, 8],
      unit: 'percentunit',
      queries: [
        range(
          'rate(process_cpu_seconds_total{job="modelwatch", instance=~"$instance"}[$__rate_interval])',
          '{{instance}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Memory',
      grid: [8, 39, 8, 8],
      unit: 'bytes',
      queries: [
        range(
          'process_resident_memory_bytes{job="modelwatch", instance=~"$instance"}',
          'resident {{instance}}',
        ),
        range(
          'nodejs_heap_size_used_bytes{job="modelwatch", instance=~"$instance"}',
          'heap used {{instance}}',
        ),
        range(
          'nodejs_heap_size_total_bytes{job="modelwatch", instance=~"$instance"}',
          'heap total {{instance}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Event loop lag',
      grid: [16, 39, 8, 8],
      unit: 's',
      queries: [
        range('nodejs_eventloop_lag_seconds{job="modelwatch", instance=~"$instance"}', 'lag {{instance}}'),
        range(
          'nodejs_eventloop_lag_p99_seconds{job="modelwatch", instance=~"$instance"}',
          'p99 {{instance}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Garbage collection',
      description: 'Share of time spent in GC, by kind.',
      grid: [0, 47, 8, 8],
      unit: 'percentunit',
      queries: [
        range(
          'sum by (kind) (rate(nodejs_gc_duration_seconds_sum{job="modelwatch", instance=~"$instance"}[$__rate_interval]))',
          '{{kind}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Open file descriptors',
      grid: [8, 47, 8, 8],
      unit: 'short',
      queries: [range('process_open_fds{job="modelwatch", instance=~"$instance"}', '{{instance}}')],
    }),
    timeSeriesPanel({
      title: 'Active handles',
      grid: [16, 47, 8, 8],
      unit: 'short',
      queries: [
        range('nodejs_active_handles{job="modelwatch", instance=~"$instance"}', '{{type}} {{instance}}'),
      ],
    }),
    row('Label pipeline', 55),
    timeSeriesPanel({
      title: 'Labels waiting for their prediction',
      description:
        'Feedback received before (or without) its prediction: held in memory, joined when the prediction arrives; orphans per second and labels dropped from the bounded waiting list.',
      grid: [0, 56, 12, 8],
      unit: 'short',
      queries: [
        range('modelwatch_feedback_pending_labels{instance=~"$instance"}', '{{model}} waiting'),
        range(
          'sum by (model) (rate(modelwatch_feedback_orphaned_total{instance=~"$instance"}[5m]))',
          '{{model}} orphans/s',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Labels rejected',
      description:
        'Labels that do not fit the task (invalid_label), rows whose prediction does not (invalid_prediction), and waiting labels dropped at the cap (orphan_evicted).',
      grid: [12, 56, 12, 8],
      unit: 'reqps',
      queries: [
        range(
          'sum by (model, reason) (rate(modelwatch_feedback_rejected_total{instance=~"$instance"}[5m]))',
          '{{model}} {{reason}}',
        ),
      ],
    }),
    row('KServe CloudEvents', 64),
    timeSeriesPanel({
      title: 'Inference-logger events',
      description:
        'KServe inference-logger events on POST /api/v1/cloudevents per second: received by type, request/response pairs joined (by which half came first), and halves dropped without their partner (expired after kserve.pending_timeout or evicted from the bounded buffer). docs/kserve.md.',
      grid: [0, 65, 12, 8],
      unit: 'reqps',
      queries: [
        range(
          'sum by (type) (rate(modelwatch_cloudevents_received_total{instance=~"$instance"}[5m]))',
          'received {{type}}',
        ),
        range(
          'sum by (order) (rate(modelwatch_cloudevents_joined_total{instance=~"$instance"}[5m]))',
          'joined {{order}}',
        ),
        range(
          'sum by (type, reason) (rate(modelwatch_cloudevents_unpaired_total{instance=~"$instance"}[5m]))',
          'unpaired {{type}} {{reason}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Events waiting for their pair',
      description:
        'Requests or responses held until the other half of the pair arrives (bounded by kserve.max_pending and kserve.max_pending_bytes).',
      grid: [12, 65, 12, 8],
      unit: 'short',
      queries: [range('modelwatch_cloudevents_pending{instance=~"$instance"}', '{{instance}}')],
    }),
    row('Memory and writes', 73),
    timeSeriesPanel({
      title: 'Window memory by model',
      description:
        "Memory each model's in-memory window takes; all together stay within limits.max_window_bytes.",
      grid: [0, 74, 8, 8],
      unit: 'bytes',
      queries: [range('sum by (model) (modelwatch_window_memory_bytes{instance=~"$instance"})', '{{model}}')],
    }),
    timeSeriesPanel({
      title: 'Failed writes (history, retraining, references)',
      description: 'Writes besides ingest that failed on the writer thread (SQLITE_FULL: disk full).',
      grid: [8, 74, 8, 8],
      unit: 'ops',
      queries: [
        range(
          'sum by (what, reason) (rate(modelwatch_write_errors_total{instance=~"$instance"}[$__rate_interval]))',
          '{{what}} {{reason}}',
        ),
      ],
    }),
    timeSeriesPanel({
      title: 'Webhook alerts ignored',
      description:
        'Firing Alertmanager alerts for unknown models or without a model label: no retraining request recorded.',
      grid: [16, 74, 8, 8],
      unit: 'ops',
      queries: [
        range(
          'sum by (reason) (rate(modelwatch_webhook_alerts_ignored_total{instance=~"$instance"}[$__rate_interval]))',
          '{{reason}}',
        ),
      ],
    }),
  ],
});
