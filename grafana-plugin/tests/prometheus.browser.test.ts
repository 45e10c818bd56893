/**
 * The built panel on data from a real Prometheus. Starts the stack of test/helpers/stack.ts — `modelwatch
 * demo` (simulated credit-scoring traffic, drift injected after 20 s) scraped every second by Debian's
 * `prometheus` — waits until Prometheus reports drifted and calm features, runs the panel's queries over
 * Prometheus' HTTP API exactly as the provisioned drift dashboard (and the README's table variant) define
 * them, hands the responses to the harness page, which turns them into the frames Grafana's Prometheus data
 * source would give the panel (src/testing/prometheusFrames.ts), and checks in headless Chromium what the
 * panel draws against the values Prometheus returned. Screenshots: tests/screenshots/prometheus-demo-*.png.
 *
 * Needs `prometheus` and `prometheus-alertmanager` (scripts/system-deps.sh installs them): without them the
 * test fails rather than skips. Bounded: the stack must be ready within 90 s and drift must show within
 * DRIFT_DEADLINE_MS; nothing is asserted on timing.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { haveCommand } from '../../test/helpers/binaries';
import { allPanels, loadDashboards } from '../../test/helpers/dashboards';
import { startWebhookReceiver, type WebhookReceiver, waitFor } from '../../test/helpers/http';
import { type Stack, startStack } from '../../test/helpers/stack';
import { formatDelta, formatPercent, formatScore } from '../src/data/format';
import {
  type PromApiResponse,
  type PromQueryData,
  type PromTarget,
  type PromTargetResult,
  parsePromValue,
  promResponseData,
  targetQueryType,
} from '../src/testing/prometheusApi';
import { harnessOut, pluginDir } from './globalSetup';
import { type HarnessPage, openHarness } from './harness/browser';
import type { RenderRequest } from './harness/host';

const SHOTS = join(pluginDir, 'tests', 'screenshots');
const MODEL = 'credit-risk';
/** Query step: what Grafana calculates for a few minutes' range with the data source's scrape interval at the stack's 1 s. */
const STEP_MS = 1000;
const DRIFT_DEADLINE_MS = 90_000;
const LOWER_IS_DRIFT = new Set(['ks', 'chisquare', 'ztest']);
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

let stack: Stack | undefined;
let receiver: WebhookReceiver | undefined;
let harness: HarnessPage | undefined;
let page: Page;
let pageErrors: string[] = [];
const timings: string[] = [];

/** The panel's targets in the provisioned drift dashboard, with $model resolved. */
function dashboardTargets(): PromTarget[] {
  const panel = loadDashboards()
    .flatMap((d) => allPanels(d.dashboard))
    .find((p) => p.type === 'modelwatch-drift-panel');
  if (!panel?.targets) {
    throw new Error('no modelwatch-drift-panel with targets in provisioning/dashboards');
  }
  return panel.targets.map((t) => ({ ...(t as PromTarget), expr: t.expr!.replaceAll('$model', MODEL) }));
}

/** The panel JSON example of the README (queries A–D, instant ones in table format), with $model resolved. */
function readmeTargets(): PromTarget[] {
  const readme = readFileSync(join(pluginDir, 'README.md'), 'utf8');
  for (const block of readme.matchAll(/```json\n([\s\S]*?)```/g)) {
    const panel = JSON.parse(block[1]!) as { type?: string; targets?: PromTarget[] };
    if (panel.type === 'modelwatch-drift-panel' && panel.targets) {
      return panel.targets.map((t) => ({ ...t, expr: t.expr.replaceAll('$model', MODEL) }));
    }
  }
  throw new Error('README.md has no modelwatch-drift-panel JSON example');
}

async function promApi(path: string, params: Record<string, string>): Promise<PromQueryData> {
  const res = await fetch(`${stack!.urls.prometheus}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return promResponseData((await res.json()) as PromApiResponse);
}

/** Run targets as Grafana does for the time range [fromMs, toMs] (range queries step-aligned, instant at `to`). */
async function runTargets(
  targets: readonly PromTarget[],
  fromMs: number,
  toMs: number,
): Promise<PromTargetResult[]> {
  return Promise.all(
    targets.map(async (target) => ({
      target,
      stepMs: STEP_MS,
      data:
        targetQueryType(target) === 'instant'
          ? await promApi('/api/v1/query', { query: target.expr, time: String(toMs / 1000) })
          : await promApi('/api/v1/query_range', {
              query: target.expr,
              start: String(Math.floor(fromMs / STEP_MS) * (STEP_MS / 1000)),
              end: String(Math.floor(toMs / STEP_MS) * (STEP_MS / 1000)),
              step: String(STEP_MS / 1000),
            }),
    })),
  );
}

type Sample = { labels: Record<string, string>; values: Array<[number, number]> };

/** Every sample of a metric in the results, whatever query returned it. */
function samplesOf(results: readonly PromTargetResult[], metric: string): Sample[] {
  const out: Sample[] = [];
  for (const { data } of results) {
    if (data.resultType === 'vector') {
      for (const s of data.result.filter((x) => x.metric.__name__ === metric)) {
        out.push({ labels: s.metric, values: [[s.value[0] * 1000, parsePromValue(s.value[1])]] });
      }
    } else if (data.resultType === 'matrix') {
      for (const s of data.result.filter((x) => x.metric.__name__ === metric)) {
        out.push({ labels: s.metric, values: s.values.map(([t, v]) => [t * 1000, parsePromValue(v)]) });
      }
    }
  }
  return out;
}

interface PromFeature {
  name: string;
  /** `bin` label → the two shares Prometheus returned. */
  bins: Map<string, { reference?: number; current?: number }>;
  numeric: boolean;
  drifted: boolean;
  method?: string;
  threshold?: number;
  /** Score samples of the range query, [ms, value]. */
  scores: Array<[number, number]>;
  verdict: 'drifted' | 'pending' | 'ok' | 'unknown';
}

const isNumericKey = (k: string): boolean => k === '+Inf' || Number.isFinite(Number(k));

/** What Prometheus says about each feature, read straight from the API responses (not through the panel's code). */
function promFeatures(results: readonly PromTargetResult[]): Map<string, PromFeature> {
  const features = new Map<string, PromFeature>();
  const get = (name: string): PromFeature => {
    let f = features.get(name);
    if (!f) {
      f = { name, bins: new Map(), numeric: false, drifted: false, scores: [], verdict: 'unknown' };
      features.set(name, f);
    }
    return f;
  };
  for (const s of samplesOf(results, 'modelwatch_feature_bin_ratio')) {
    const bin = get(s.labels.feature!).bins;
    const entry = bin.get(s.labels.bin!) ?? {};
    entry[s.labels.dataset as 'reference' | 'current'] = s.values[0]![1];
    bin.set(s.labels.bin!, entry);
  }
  for (const s of samplesOf(results, 'modelwatch_feature_drifted')) {
    get(s.labels.feature!).drifted = s.values[0]![1] === 1;
  }
  for (const s of samplesOf(results, 'modelwatch_feature_drift_threshold')) {
    get(s.labels.feature!).threshold = s.values[0]![1];
  }
  for (const s of samplesOf(results, 'modelwatch_feature_drift_score')) {
    const f = get(s.labels.feature!);
    f.method = s.labels.method;
    f.scores = s.values;
  }
  for (const f of features.values()) {
    f.numeric = [...f.bins.keys()].every(isNumericKey);
    const last = f.scores.at(-1)?.[1];
    const lower = LOWER_IS_DRIFT.has(f.method ?? '');
    const exceeded =
      last === undefined || f.threshold === undefined
        ? undefined
        : lower
          ? last < f.threshold
          : last >= f.threshold;
    f.verdict = f.drifted ? 'drifted' : exceeded === undefined ? 'unknown' : exceeded ? 'pending' : 'ok';
  }
  return features;
}

/** Bin keys in the order the README promises: numeric values (and +Inf) numerically, categories by name. */
function binOrder(f: PromFeature): string[] {
  const keys = [...f.bins.keys()];
  return f.numeric
    ? keys.sort((a, b) => (a === '+Inf' ? Infinity : Number(a)) - (b === '+Inf' ? Infinity : Number(b)))
    : keys.sort(collator.compare);
}

/** An edge as the tooltip writes it (8 significant digits). */
const edge = (key: string): string => String(Number(Number(key).toPrecision(8)));

async function render(req: RenderRequest): Promise<void> {
  await page.evaluate(
    (r) =>
      (window as unknown as { harness: { render: (q: RenderRequest) => Promise<unknown> } }).harness.render(
        r,
      ),
    req,
  );
}

async function shot(name: string): Promise<void> {
  await page.locator('#stage').screenshot({ path: join(SHOTS, `${name}.png`) });
}

const card = (feature: string) => page.locator(`[data-testid="mw-feature-card"][data-feature="${feature}"]`);

describe('the panel on frames from a real Prometheus scraping the demo', () => {
  let from: number;
  let to: number;
  let results: PromTargetResult[];
  let features: Map<string, PromFeature>;
  let drawnOrder: string[];

  beforeAll(async () => {
    const missing = ['prometheus', 'prometheus-alertmanager'].filter((c) => !haveCommand(c));
    if (missing.length > 0) {
      throw new Error(`${missing.join(', ')} not installed: run scripts/system-deps.sh (Debian packages)`);
    }
    const t0 = Date.now();
    // the heatmap's range starts before Prometheus does, so its first columns have no samples
    from = Math.floor(t0 / STEP_MS) * STEP_MS;
    receiver = await startWebhookReceiver();
    stack = await startStack({
      driftAfter: '20s',
      demoArgs: ['--eval-interval', '1s', '--rate', '100/s'],
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      notifications: { url: receiver.url },
    });
    const ready = Date.now();
    timings.push(`stack ready in ${((ready - t0) / 1000).toFixed(1)} s`);

    // Until Prometheus has drifted and calm features at one instant: a whole second a little in the past, so
    // no scrape with an earlier timestamp is still being written …
    const driftedAt = await waitFor(
      'Prometheus to report drifted and calm features (modelwatch_feature_drifted 1 and 0)',
      DRIFT_DEADLINE_MS,
      async () => {
        const at = Math.floor((Date.now() - 1500) / STEP_MS) * STEP_MS;
        const data = await promApi('/api/v1/query', {
          query: `modelwatch_feature_drifted{model="${MODEL}"}`,
          time: String(at / 1000),
        });
        const values = data.resultType === 'vector' ? data.result.map((s) => s.value[1]) : [];
        if (values.filter((v) => v === '1').length < 2 || !values.includes('0')) {
          return undefined;
        }
        // … and one of them drifted for a few seconds already, so the heatmap has columns past the threshold
        const before = await promApi('/api/v1/query', {
          query: `modelwatch_feature_drifted{model="${MODEL}"} == 1`,
          time: String((at - 4 * STEP_MS) / 1000),
        });
        return before.resultType === 'vector' && before.result.length > 0 ? at : undefined;
      },
      1000,
    );
    to = driftedAt;
    timings.push(`drift reported ${((Date.now() - ready) / 1000).toFixed(1)} s after that`);

    results = await runTargets(dashboardTargets(), from, to);
    features = promFeatures(results);

    mkdirSync(SHOTS, { recursive: true });
    harness = await openHarness(pluginDir, harnessOut);
    ({ page } = harness);
    pageErrors = harness.errors;
    timings.push(`setup total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  afterAll(async () => {
    await harness?.close();
    await stack?.stop();
    await receiver?.close();
    console.log(`[prometheus demo] ${timings.join('; ')}`);
  });

  it('ran the dashboard queries: instant ones at the end of the range, the scores as a range query', () => {
    for (const r of results) {
      expect(r.data.resultType, r.target.refId).toBe(
        targetQueryType(r.target) === 'instant' ? 'vector' : 'matrix',
      );
    }
    expect(results.some((r) => r.data.resultType === 'matrix')).toBe(true);
    // the demo has eight features: four quantile-binned numeric, two discrete numeric, two categorical
    expect(features.size).toBeGreaterThanOrEqual(4);
    for (const f of features.values()) {
      expect(f.bins.size, f.name).toBeGreaterThan(1);
      expect(f.threshold, f.name).toBeDefined();
      expect(f.scores.length, f.name).toBeGreaterThan(0);
    }
    expect([...features.values()].some((f) => f.numeric && f.bins.has('+Inf'))).toBe(true);
    expect([...features.values()].some((f) => !f.numeric)).toBe(true);
  });

  it('draws one distribution per feature, drifted features highlighted and first', async () => {
    await render({ theme: 'dark', width: 1200, height: 640, prometheus: results, timeRange: { from, to } });
    const cards = page.getByTestId('mw-feature-card');
    await expect.poll(() => cards.count()).toBe(features.size);
    const drawn = await cards.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-feature')!, e.getAttribute('data-verdict')!]),
    );
    drawnOrder = drawn.map(([name]) => name!);
    expect(new Set(drawnOrder)).toEqual(new Set(features.keys()));

    const drifted = [...features.values()].filter((f) => f.drifted).map((f) => f.name);
    expect(new Set(drawnOrder.slice(0, drifted.length))).toEqual(new Set(drifted));
    for (const [name, verdict] of drawn) {
      expect(verdict, name).toBe(features.get(name!)!.verdict);
    }
    const shadows = await cards.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-verdict'), getComputedStyle(e).boxShadow]),
    );
    for (const [verdict, shadow] of shadows) {
      if (verdict === 'drifted') {
        expect(shadow).toMatch(/inset/);
      } else if (verdict === 'ok') {
        expect(shadow).toBe('none');
      }
    }
    expect(await page.getByTestId('mw-summary').textContent()).toContain(`${drifted.length} drifted`);
    await shot('prometheus-demo-grid-dark');
  });

  it('draws a bar per bin Prometheus returned, in bin order, scaled to its shares', async () => {
    for (const f of features.values()) {
      const order = binOrder(f);
      if (!f.numeric) {
        expect(order.length, `${f.name}: more categories than a card shows`).toBeLessThanOrEqual(12);
      }
      if (f.numeric && !f.bins.has('+Inf')) {
        // discrete values label their axis (a dozen short numbers fit a card)
        const labels = await card(f.name).locator('svg text').allTextContents();
        expect(labels, f.name).toEqual(expect.arrayContaining([order[0], order.at(-1)]));
      }
      for (const dataset of ['reference', 'current'] as const) {
        const bars = card(f.name).locator(`[data-testid="mw-bar"][data-dataset="${dataset}"]`);
        const keys = await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-bin')));
        const expected = order.filter((k) => f.bins.get(k)![dataset] !== undefined);
        expect(keys, `${f.name} ${dataset}`).toEqual(expected);
        // heights proportional to the shares (bars of one chart share a scale)
        const heights = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
        const shares = expected.map((k) => f.bins.get(k)![dataset]!);
        const top = shares.indexOf(Math.max(...shares));
        for (const [i, h] of heights.entries()) {
          expect(h, `${f.name} ${dataset} ${expected[i]}`).toBeCloseTo(
            (shares[i]! / shares[top]!) * heights[top]!,
            0,
          );
        }
      }
    }
  });

  it('shows the bin and both proportions Prometheus returned in the tooltip on hover', async () => {
    const quantiles = [...features.values()].filter((f) => f.bins.has('+Inf'));
    const quantile = quantiles.find((f) => f.drifted) ?? quantiles[0]!;
    const keys = binOrder(quantile);
    const key = keys[2]!;
    const shares = quantile.bins.get(key)!;
    await hoverBar(quantile.name, key);
    const tip = page.getByTestId('mw-tooltip');
    await expect.poll(() => tip.count()).toBe(1);
    const text = (await tip.textContent())!;
    expect(text).toContain(quantile.name);
    expect(text).toContain(`${edge(keys[1]!)} ≤ x < ${edge(key)}`);
    expect(text).toContain(`Reference${formatPercent(shares.reference)}`);
    expect(text).toContain(`Current${formatPercent(shares.current)}`);
    expect(text).toContain(formatDelta(shares.reference ?? null, shares.current ?? null));
    await shot('prometheus-demo-tooltip-dark');

    // a category: its name and its two shares
    const categorical = [...features.values()].find((f) => !f.numeric)!;
    const [category, catShares] = [...categorical.bins.entries()].sort(
      (a, b) => (b[1].current ?? 0) - (a[1].current ?? 0),
    )[0]!;
    await hoverBar(categorical.name, category);
    await expect.poll(() => tip.textContent()).toContain(`category ${category}`);
    const catText = (await tip.textContent())!;
    expect(catText).toContain(`Reference${formatPercent(catShares.reference)}`);
    expect(catText).toContain(`Current${formatPercent(catShares.current)}`);
    await page.mouse.move(2, 2);
    await expect.poll(() => tip.count()).toBe(0);
  });

  it('draws the drift score range query as the heatmap, one column per step', async () => {
    await render({
      theme: 'dark',
      width: 1200,
      height: 480,
      prometheus: results,
      timeRange: { from, to },
      options: { mode: 'timeline' },
    });
    const rows = page.getByTestId('mw-heatmap-row');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')))).toEqual(
      drawnOrder,
    );
    const canvas = page.getByTestId('mw-heatmap-canvas');
    const columns = Number(await canvas.getAttribute('data-columns'));
    expect(columns).toBe((to - from) / STEP_MS);
    const box = (await canvas.boundingBox())!;
    const rowH = box.height / drawnOrder.length;

    // A drifted feature's samples column by column (the last column also holds the sample at `to`): the one
    // that has been past its threshold longest.
    const rowsData = drawnOrder.map((name) => {
      const f = features.get(name)!;
      const lower = LOWER_IS_DRIFT.has(f.method ?? '');
      const byColumn = new Map<number, number>();
      for (const [t, v] of f.scores) {
        if (t >= from && t < to - STEP_MS) {
          byColumn.set((t - from) / STEP_MS, v);
        }
      }
      // each sorted farthest from the threshold first
      const worst = (a: [number, number], b: [number, number]) => (lower ? a[1] - b[1] : b[1] - a[1]);
      const past = [...byColumn]
        .filter(([, v]) => (lower ? v < f.threshold! : v >= f.threshold!))
        .sort(worst);
      const within = [...byColumn]
        .filter(([, v]) => (lower ? v >= f.threshold! : v < f.threshold!))
        .sort((a, b) => worst(b, a));
      return { f, byColumn, past, within };
    });
    const row = drawnOrder.findIndex(
      (_, i) =>
        rowsData[i]!.f.drifted &&
        rowsData[i]!.past.length === Math.max(...rowsData.map((r) => (r.f.drifted ? r.past.length : 0))),
    );
    const { f, byColumn, past, within } = rowsData[row]!;
    const empty = [...Array(columns - 1).keys()].filter((c) => !byColumn.has(c));
    expect(past.length).toBeGreaterThan(0);
    expect(empty.length).toBeGreaterThan(0);

    const tip = page.getByTestId('mw-tooltip');
    const hoverCell = async (c: number) => {
      await page.mouse.move(box.x + ((c + 0.5) * box.width) / columns, box.y + (row + 0.5) * rowH);
    };
    const [pastColumn, pastValue] = past[0]!;
    await hoverCell(pastColumn);
    await expect.poll(() => tip.textContent()).toContain('past threshold');
    expect(await tip.textContent()).toContain(f.name);
    expect(await tip.textContent()).toContain(formatScore(pastValue));
    // one-second columns: the tooltip names the second (the dashboard time zone is UTC here)
    expect(await tip.textContent()).toContain(
      new Date(from + pastColumn * STEP_MS).toISOString().slice(11, 19),
    );
    if (within.length > 0) {
      const [withinColumn, withinValue] = within[0]!;
      await hoverCell(withinColumn);
      await expect.poll(() => tip.textContent()).toContain('within threshold');
      expect(await tip.textContent()).toContain(formatScore(withinValue));
    }
    await hoverCell(empty[0]!);
    await expect.poll(() => tip.textContent()).toContain('no sample');

    // painted where Prometheus has a sample, background where it has none
    const colours = await canvas.evaluate(
      (el, n) => {
        const c = el as HTMLCanvasElement;
        const ctx = c.getContext('2d')!;
        const y = Math.floor(((n.row + 0.5) * c.height) / n.rows);
        return [...Array(n.columns).keys()].map((col) =>
          Array.from(ctx.getImageData(Math.floor(((col + 0.5) * c.width) / n.columns), y, 1, 1).data).join(
            ',',
          ),
        );
      },
      { columns, rows: drawnOrder.length, row },
    );
    const background = colours[empty[0]!]!;
    for (const c of empty) {
      expect(colours[c], `column ${c} has no sample`).toBe(background);
    }
    for (const [c] of byColumn) {
      expect(colours[c], `column ${c} has a sample`).not.toBe(background);
    }
    if (within.length > 0) {
      // green within, orange to red past the threshold
      expect(colours[pastColumn]).not.toBe(colours[within[0]![0]]);
    }
    // a time axis even for a range of well under a minute
    const ticks = await page.getByTestId('mw-heatmap-axis').locator('text').allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) {
      expect(t).toMatch(/^\d\d:\d\d:\d\d$/);
    }
    await page.mouse.move(2, 2);
    await shot('prometheus-demo-timeline-dark');
  });

  it("reads the README's table-format queries over the same data the same way", async () => {
    const table = await runTargets(readmeTargets(), from, to);
    expect(table.filter((r) => r.target.format === 'table').length).toBeGreaterThan(0);
    await render({
      theme: 'light',
      width: 1200,
      height: 640,
      prometheus: table,
      timeRange: { from, to },
    });
    const drawn = await page
      .getByTestId('mw-feature-card')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    expect(drawn).toEqual(drawnOrder);
    await shot('prometheus-demo-grid-table-light');
  });

  it('no page errors while rendering', () => {
    expect(pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});

async function hoverBar(feature: string, key: string): Promise<void> {
  const bar = card(feature).locator(`[data-testid="mw-bar"][data-bin="${key}"]`).first();
  await bar.scrollIntoViewIfNeeded();
  const box = (await bar.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
}
