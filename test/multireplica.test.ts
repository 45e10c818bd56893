/**
 * Several replicas (docs/multi-replica.md): two `modelwatch serve` processes, each with its own SQLite
 * log, the same model and reference, scraped by a real Prometheus (test/helpers/stack.ts) running the
 * repository's recording rules. The traffic is split 70/30 between the replicas, with a different
 * distribution on each. Checks that
 *   1. the mergeable counters `modelwatch_feature_bin_observations_total`, summed over the replicas,
 *      are the bin counts of the pooled rows (exactly);
 *   2. the recording rule `model_feature:modelwatch_feature_psi:fleet1h` equals the PSI that the
 *      exporter's own statistics code (exporter/src/stats) computes on the pooled rows (1e-9 relative);
 *   3. each replica's `modelwatch_feature_drift_score{method="psi"}` is the PSI of its own rows only, so
 *      neither their mean nor their traffic-weighted mean is the fleet PSI.
 *
 * Why the equality is exact rather than approximate: both replicas started less than an hour before
 * the rule is evaluated, so the rule takes each replica's counter value as it is (everything it counted
 * since it started is inside the hour). The counters count every row the replica appended after the
 * reference was set; the reference is uploaded before any traffic, so they count all traffic. The rule
 * does not use increase() for such replicas: increase() extrapolates each series to the ends of the
 * window by its own sample timestamps, and the two targets are scraped at different moments, so it would
 * scale the replicas' counts by different factors (a few per cent here) and weight them wrongly.
 * The reference shares are the exporter's own doubles, printed exactly in the exposition, and zero
 * proportions are replaced by 1e-4 on both sides as docs/statistics.md asks, so what remains is floating-point
 * rounding (the order of the sum, Go's and V8's ln): a difference in the last digit or none.
 * (With plain increase() in the rule the fleet PSI came out 2 to 8 % off here.)
 *
 * Bounded: every wait has a deadline; the whole file takes well under two minutes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER } from '../exporter/src/evaluate/window';
import { driftColumn } from '../exporter/src/stats/drift';
import { mulberry32 } from '../exporter/src/stats/multivariate';
import { currentColumn, profileColumn } from '../exporter/src/stats/profile';
import type { ColumnDriftResult, ColumnProfile } from '../exporter/src/stats/types';
import { freePort, type Running, startCli } from './helpers/cli';
import {
  type PromSeries,
  promQuery,
  startWebhookReceiver,
  type WebhookReceiver,
  waitFor,
} from './helpers/http';
import { type Stack, startStack } from './helpers/stack';

const MODEL = 'credit';
/** Rows sent to replica a and b: 70/30. */
const ROWS = { a: 2100, b: 900 } as const;
const REFERENCE_ROWS = 2000;
/** The label the exporter folds values outside the reference's value set into (evaluate/window.ts). */

type Replica = keyof typeof ROWS;
type Row = { income: number | null; age: number; purpose: string; rooms: number };
const NUMERIC = ['income', 'age', 'rooms'] as const;
const FEATURES = ['income', 'age', 'purpose', 'rooms'] as const;
type Feature = (typeof FEATURES)[number];

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

function pick<T>(u: () => number, values: readonly T[], weights: readonly number[]): T {
  let x = u() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < values.length; i++) {
    x -= weights[i]!;
    if (x < 0) return values[i]!;
  }
  return values.at(-1)!;
}

interface Shape {
  incomeMean: number;
  incomeSd: number;
  /** Share of rows without income (missing values are dropped by drift and not counted in bins). */
  incomeMissing: number;
  age: [number, number];
  purpose: Record<string, number>;
  rooms: readonly number[];
}

/** The reference, and two different current populations: mild drift on a, strong drift on b. */
const SHAPES: Record<'reference' | Replica, Shape> = {
  reference: {
    incomeMean: 10,
    incomeSd: 0.5,
    incomeMissing: 0,
    age: [18, 75],
    purpose: { car: 0.4, house: 0.3, education: 0.2, other: 0.1 },
    rooms: [0.1, 0.3, 0.3, 0.2, 0.1],
  },
  a: {
    incomeMean: 10.1,
    incomeSd: 0.5,
    incomeMissing: 0.02,
    age: [18, 60],
    purpose: { car: 0.5, house: 0.25, education: 0.15, other: 0.1 },
    rooms: [0.15, 0.35, 0.25, 0.15, 0.1],
  },
  b: {
    incomeMean: 10.7,
    incomeSd: 0.7,
    incomeMissing: 0,
    age: [40, 90],
    // "boat" is not in the reference: the counters fold it into __other__.
    purpose: { car: 0.2, house: 0.2, education: 0.3, other: 0.1, boat: 0.2 },
    rooms: [0.05, 0.1, 0.2, 0.35, 0.3],
  },
};

function rows(shape: Shape, n: number, seed: number): Row[] {
  const u = mulberry32(seed); // seeded, so the data (and the expected PSIs) never change
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const income = Math.round(Math.exp(shape.incomeMean + shape.incomeSd * normal(u)) * 100) / 100;
    out.push({
      income: u() < shape.incomeMissing ? null : income,
      age: shape.age[0] + Math.floor(u() * (shape.age[1] - shape.age[0] + 1)),
      purpose: pick(u, Object.keys(shape.purpose), Object.values(shape.purpose)),
      rooms: pick(u, [1, 2, 3, 4, 5], shape.rooms),
    });
  }
  return out;
}

const reference = rows(SHAPES.reference, REFERENCE_ROWS, 1);
const traffic: Record<Replica, Row[]> = { a: rows(SHAPES.a, ROWS.a, 2), b: rows(SHAPES.b, ROWS.b, 3) };
const pooled = [...traffic.a, ...traffic.b];

/** The reference profile exactly as the exporter builds it from the upload (stats/profile.ts). */
const profiles = Object.fromEntries(
  FEATURES.map((f) => [
    f,
    (NUMERIC as readonly string[]).includes(f)
      ? profileColumn(Float64Array.from(reference, (r) => numberOrNaN(r[f])))
      : profileColumn(reference.map((r) => String(r[f]))),
  ]),
) as Record<Feature, ColumnProfile>;

function numberOrNaN(v: unknown): number {
  return typeof v === 'number' ? v : Number.NaN;
}

/** PSI of some rows against the reference, by the exporter's statistics code (docs/statistics.md binning). */
function psiOf(data: readonly Row[], feature: Feature): ColumnDriftResult {
  const profile = profiles[feature];
  const current =
    profile.type === 'numeric'
      ? currentColumn(
          Float64Array.from(data, (r) => numberOrNaN(r[feature])),
          'numeric',
        )
      : currentColumn(
          data.map((r) => String(r[feature])),
          'categorical',
        );
  return driftColumn(profile, current, { method: 'psi' });
}

/**
 * What the fleet's counters must add up to: the pooled rows' bin counts, with values outside the
 * reference's value set folded into __other__ (quantile bins have no such values).
 */
function expectedCounters(feature: Feature): Record<string, number> {
  const bins = psiOf(pooled, feature).bins;
  const quantile = bins.lower.some((l) => l !== null);
  const out: Record<string, number> = quantile ? {} : { [OTHER]: 0 };
  bins.labels.forEach((label, i) => {
    const key = quantile || bins.referenceCounts[i]! > 0 ? label : OTHER;
    out[key] = (out[key] ?? 0) + bins.currentCounts[i]!;
  });
  return out;
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

function byLabel(series: PromSeries[], label: string): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s.metric[label]!, Number(s.value![1])]));
}

function csv(data: readonly Row[]): string {
  const lines = data.map((r) => FEATURES.map((f) => (r[f] === null ? '' : String(r[f]))).join(','));
  return `${FEATURES.join(',')}\n${lines.join('\n')}\n`;
}

const EXPORTER_CONFIG = `
evaluation: {interval: 1s, read_interval: 500ms}
window: {rows: 100000}
performance_windows: []
drift: {method: psi, min_rows: 100, multivariate: false}
discover_models: false
models:
  - name: ${MODEL}
`;

describe('two replicas, Prometheus and the fleet recording rules', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let stack: Stack | undefined;
  const replicas: Partial<Record<Replica, { url: string; port: number; cli: Running }>> = {};

  const prom = (query: string) => promQuery(stack!.urls.prometheus, query);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelwatch-replicas-'));
    writeFileSync(join(dir, 'modelwatch.yaml'), EXPORTER_CONFIG);
    receiver = await startWebhookReceiver();

    // 1. Two replicas, each with its own log, the same model, configuration and reference.
    for (const name of ['a', 'b'] as const) {
      const port = await freePort();
      const cli = startCli([
        'serve',
        '--config',
        join(dir, 'modelwatch.yaml'),
        '--db',
        join(dir, `${name}.db`),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ]);
      replicas[name] = { url: `http://127.0.0.1:${port}`, port, cli };
    }
    for (const [name, r] of Object.entries(replicas)) {
      await waitFor(
        `replica ${name} ready`,
        60_000,
        async () => {
          if (r.cli.child.exitCode !== null) throw new Error(`replica ${name} exited: ${r.cli.stderr()}`);
          return (await fetch(`${r.url}/readyz`).catch(() => null))?.ok ? true : undefined;
        },
        250,
      );
      const res = await fetch(`${r.url}/api/v1/models/${MODEL}/reference`, {
        method: 'PUT',
        headers: { 'content-type': 'text/csv' },
        body: csv(reference),
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }

    // 3. Prometheus scraping both replicas in job "modelwatch", with the repository's rules.
    stack = await startStack({
      exporter: 'external',
      ports: { exporter: replicas.a!.port },
      replicaPorts: [replicas.b!.port],
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      notifications: { url: receiver.url },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await Promise.all(
      Object.values(replicas).map(async (r) => {
        if (r.cli.child.exitCode === null && r.cli.child.signalCode === null) {
          r.cli.child.kill('SIGTERM');
          await r.cli.exited;
        }
      }),
    );
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fleet PSI from the summed counters equals the PSI of the pooled rows; per-replica PSIs do not average to it', async () => {
    // Both replicas scraped, their bin counters present at zero (since the reference upload) before any
    // traffic: the counters count nothing but this test's rows.
    await waitFor('both replicas scraped with their bin counters at 0', 30_000, async () => {
      const counters = await prom(
        `count by (instance) (modelwatch_feature_bin_observations_total{job="modelwatch", model="${MODEL}"} == 0)`,
      );
      return counters.length === 2 ? counters : undefined;
    });

    // 2. The traffic, split unevenly, in batches.
    for (const name of ['a', 'b'] as const) {
      const data = traffic[name];
      for (let start = 0; start < data.length; start += 500) {
        const batch = data.slice(start, start + 500).map((features, i) => ({
          model: MODEL,
          prediction_id: `${name}-${start + i}`,
          features,
          prediction: (start + i) % 2,
          score: ((start + i) % 100) / 100,
        }));
        const res = await fetch(`${replicas[name]!.url}/api/v1/predictions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
        });
        expect(res.status, await res.clone().text()).toBe(202);
      }
    }

    // Each replica has evaluated all of its rows...
    for (const name of ['a', 'b'] as const) {
      await waitFor(`replica ${name} evaluated its ${ROWS[name]} rows`, 30_000, async () => {
        const status = (await (
          await fetch(`${replicas[name]!.url}/api/v1/models/${MODEL}/status`)
        ).json()) as {
          window: { rows: number };
        };
        return status.window.rows === ROWS[name] ? status : undefined;
      });
    }
    // ...Prometheus has scraped those evaluations (the counters alone can be ahead of the gauges: they
    // count rows as they arrive, the gauges follow the evaluations), and it has evaluated the rules on
    // counters that hold every row.
    const nonMissing = Object.fromEntries(
      FEATURES.map((f) => [f, pooled.filter((r) => r[f] !== null).length]),
    ) as Record<Feature, number>;
    const instances = { a: `127.0.0.1:${replicas.a!.port}`, b: `127.0.0.1:${replicas.b!.port}` };
    let lastSeen = '';
    await waitFor(
      'the final evaluations scraped and the fleet rules on the final counters',
      30_000,
      async () => {
        const windows = byLabel(
          await prom(`modelwatch_window_rows{model="${MODEL}", window="current"}`),
          'instance',
        );
        const totals = byLabel(
          await prom(
            `sum by (feature) (model_feature_bin:modelwatch_feature_bin_observations:increase1h{model="${MODEL}"})`,
          ),
          'feature',
        );
        lastSeen = JSON.stringify({ windows, totals });
        const scraped = windows[instances.a] === ROWS.a && windows[instances.b] === ROWS.b;
        return scraped && FEATURES.every((f) => totals[f] === nonMissing[f]) ? totals : undefined;
      },
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; expected totals ${JSON.stringify(nonMissing)}, last seen ${lastSeen}`);
    });

    const fleet = byLabel(
      await prom(`model_feature:modelwatch_feature_psi:fleet1h{model="${MODEL}"}`),
      'feature',
    );
    const perReplica = await prom(`modelwatch_feature_drift_score{model="${MODEL}", method="psi"}`);
    const report: Record<string, unknown> = {};

    for (const feature of FEATURES) {
      // 1. Mergeable: the counters summed over replicas are the pooled bin counts, bin by bin.
      const merged = byLabel(
        await prom(
          `sum by (bin) (modelwatch_feature_bin_observations_total{model="${MODEL}", feature="${feature}"})`,
        ),
        'bin',
      );
      expect(merged, feature).toEqual(expectedCounters(feature));
      const hourly = byLabel(
        await prom(
          `model_feature_bin:modelwatch_feature_bin_observations:increase1h{model="${MODEL}", feature="${feature}"}`,
        ),
        'bin',
      );
      expect(hourly, feature).toEqual(merged);

      // 2. The recorded fleet PSI is the PSI of the pooled rows.
      const pooledPsi = psiOf(pooled, feature).score!;
      expect(
        relativeError(fleet[feature]!, pooledPsi),
        `${feature}: ${fleet[feature]} vs ${pooledPsi}`,
      ).toBeLessThan(1e-9);

      // 3. Each replica's own PSI is the PSI of its own rows only...
      const own = Object.fromEntries(
        (['a', 'b'] as const).map((name) => {
          const s = perReplica.find(
            (x) => x.metric.feature === feature && x.metric.instance === instances[name],
          );
          return [name, Number(s?.value?.[1])];
        }),
      ) as Record<Replica, number>;
      for (const name of ['a', 'b'] as const) {
        const alone = psiOf(traffic[name], feature).score!;
        expect(relativeError(own[name], alone), `${feature} on ${name}`).toBeLessThan(1e-9);
      }
      // ...and averaging them, plainly or weighted by traffic, does not give the fleet PSI.
      const mean = (own.a + own.b) / 2;
      const weighted = (ROWS.a * own.a + ROWS.b * own.b) / (ROWS.a + ROWS.b);
      expect(relativeError(mean, pooledPsi), `${feature}: mean of replica PSIs`).toBeGreaterThan(0.05);
      expect(relativeError(weighted, pooledPsi), `${feature}: weighted mean of replica PSIs`).toBeGreaterThan(
        0.05,
      );
      report[feature] = { fleet: fleet[feature], pooled: pooledPsi, a: own.a, b: own.b, mean, weighted };
    }
    console.info(`PSI per feature:\n${JSON.stringify(report, null, 2)}`);
  });
});
