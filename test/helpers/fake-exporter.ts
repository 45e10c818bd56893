/**
 * A stand-in exporter for testing the Prometheus/Alertmanager side on its own: it serves, on
 * 127.0.0.1, one or more series for every family of the exporter's catalog (label values from a
 * fixed vocabulary, values that a test can override) plus prom-client's default process metrics.
 * Counters grow on every scrape; timestamps are current.
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CATALOG, type MetricFamily } from '../../exporter/src/metrics/catalog';

export const FAKE_MODEL = 'credit-risk';

/** Label values per label name; one series per combination. */
const VOCABULARY: Record<string, readonly string[]> = {
  model: [FAKE_MODEL],
  model_version: ['v1'],
  feature: ['age', 'purpose'],
  method: ['ks'],
  bin: ['30', '+Inf'],
  dataset: ['reference', 'current'],
  window: ['current'],
  segment: ['', 'north'],
  bound: ['estimate', 'lower', 'upper'],
  attribute: ['sex'],
  group: ['female', 'male'],
  reason: ['invalid_json', 'conflict'],
  version: ['0.0.0-test'],
  route: ['/metrics', '/api/v1/predictions'],
  code: ['200'],
};

export interface FakeExporter {
  url: string;
  port: number;
  /** Value overrides by metric name and then by a label value ('*' for every series). */
  set(metric: string, value: number, where?: Record<string, string>): void;
  close(): Promise<void>;
}

function combinations(labels: readonly string[]): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const label of labels) {
    const values = VOCABULARY[label] ?? ['x'];
    out = out.flatMap((c) => values.map((v) => ({ ...c, [label]: v })));
  }
  return out;
}

function render(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Default value of a gauge: plausible and healthy, so that no alert fires unless a test says so. */
function defaultGauge(f: MetricFamily, labels: Record<string, string>, now: number): number {
  if (f.name.endsWith('_timestamp_seconds')) return now;
  if (f.name.startsWith('modelwatch_estimated_')) {
    return labels.bound === 'lower' ? 0.7 : labels.bound === 'upper' ? 0.9 : 0.8;
  }
  if (
    f.name.endsWith('_drifted') ||
    f.name === 'modelwatch_dataset_drift' ||
    f.name === 'modelwatch_retraining_recommended'
  )
    return 0;
  if (f.name === 'modelwatch_model_status') return 0;
  if (f.name.includes('missing') || f.name.includes('out_of_range') || f.name.includes('unseen')) return 0.01;
  if (f.name.endsWith('_rows')) return 500;
  if (f.name === 'modelwatch_feature_bin_ratio') return 0.5;
  if (f.name.includes('drift_score') || f.name.includes('p_value')) return 0.5;
  if (f.name.includes('threshold')) return 0.05;
  if (f.name === 'modelwatch_build_info') return 1;
  if (f.name.endsWith('_bytes')) return 1_048_576;
  return 0.9;
}

export function startFakeExporter(): Promise<FakeExporter> {
  const overrides = new Map<string, { value: number; where: Record<string, string> }[]>();
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  let scrapes = 0;

  const body = async (): Promise<string> => {
    scrapes += 1;
    const now = Date.now() / 1000;
    const lines: string[] = [];
    for (const f of CATALOG) {
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.kind}`);
      for (const labels of combinations(f.labels)) {
        if (f.kind === 'histogram') {
          let cumulative = 0;
          for (const le of f.buckets ?? []) {
            cumulative += scrapes;
            lines.push(`${f.name}_bucket${render({ ...labels, le: String(le) })} ${cumulative}`);
          }
          lines.push(`${f.name}_bucket${render({ ...labels, le: '+Inf' })} ${cumulative + scrapes}`);
          lines.push(
            `${f.name}_sum${render(labels)} ${scrapes * 0.01}`,
            `${f.name}_count${render(labels)} ${cumulative + scrapes}`,
          );
          continue;
        }
        let value = f.kind === 'counter' ? scrapes * 10 : defaultGauge(f, labels, now);
        for (const o of overrides.get(f.name) ?? []) {
          if (Object.entries(o.where).every(([k, v]) => labels[k] === v)) value = o.value;
        }
        lines.push(`${f.name}${render(labels)} ${value}`);
      }
    }
    return `${lines.join('\n')}\n${await defaults.metrics()}`;
  };

  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void body().then((text) =>
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      );
    } else if (req.url === '/readyz' || req.url === '/healthz') {
      res.writeHead(200).end('ok');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        set(metric, value, where = {}) {
          const list = overrides.get(metric) ?? [];
          list.push({ value, where });
          overrides.set(metric, list);
        },
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
