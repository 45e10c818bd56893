/**
 * Real-browser test of the built panel: the harness page loads dist/module.js through an AMD shim that
 * provides react, react-dom, @grafana/data, @grafana/ui, @grafana/runtime and @emotion/css (as Grafana
 * does), mounts the panel in a PanelChrome with Prometheus-shaped frames, and headless Chromium checks
 * what is drawn. Screenshots go to tests/screenshots/; MW_UPDATE_DOCS_IMG=1 also refreshes
 * docs/img/drift-panel.png. Render times are printed, never asserted.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatPercent } from '../src/data/format';
import type { ScenarioOptions } from '../src/testing/scenario';
import { harnessOut, pluginDir } from './globalSetup';
import { type HarnessPage, openHarness } from './harness/browser';
import type { Expected, RenderRequest, RenderResult } from './harness/host';

const SHOTS = join(pluginDir, 'tests', 'screenshots');
const DOCS_IMG = resolve(pluginDir, '..', 'docs', 'img', 'drift-panel.png');
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

let harness: HarnessPage | undefined;
let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

/** The features the panel should draw, computed in the page by the data-shaping functions. */
async function expectedModel(scenario: ScenarioOptions = {}): Promise<Expected> {
  return page.evaluate(
    (sc) =>
      (window as unknown as { harness: { expected: (s: ScenarioOptions) => Expected } }).harness.expected(sc),
    { now: NOW, ...scenario },
  );
}

async function render(req: RenderRequest): Promise<RenderResult> {
  return page.evaluate(
    (r) =>
      (
        window as unknown as { harness: { render: (q: RenderRequest) => Promise<RenderResult> } }
      ).harness.render(r),
    req,
  );
}

/** Move the pointer over a bin of a chart (the chart has one hover target; the bin follows from x). */
async function hoverBin(scope: Locator, key: string): Promise<void> {
  const bar = scope.locator(`[data-testid="mw-bar"][data-bin="${key}"]`).first();
  const box = (await bar.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
}

async function shot(name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.locator('#stage').screenshot({ path });
  return path;
}

beforeAll(async () => {
  harness = await openHarness(pluginDir, harnessOut);
  ({ browser, page } = harness);
  pageErrors = harness.errors;
});

afterAll(async () => {
  await harness?.close();
});

describe('the built bundle', () => {
  it('is an AMD module asking only for what Grafana provides, with a panel and its options', async () => {
    const info = await page.evaluate(
      () =>
        (
          window as unknown as {
            harness: { plugin: { deps: string[]; optionPaths: string[]; hasPanel: boolean } };
          }
        ).harness.plugin,
    );
    expect(info.hasPanel).toBe(true);
    expect(info.deps.sort()).toEqual([
      '@emotion/css',
      '@grafana/data',
      '@grafana/runtime',
      '@grafana/ui',
      'module',
      'react',
    ]);
    expect(info.optionPaths).toEqual(
      expect.arrayContaining([
        'mode',
        'chartStyle',
        'model',
        'feature',
        'sortBy',
        'showOnlyDrifted',
        'lowerIsDriftMethods',
        'dashboardUid',
      ]),
    );
  });
});

describe('small multiples', () => {
  let expected: Expected;
  beforeAll(async () => {
    expected = await expectedModel();
  });

  it('draws one card per feature, drifted features highlighted and first', async () => {
    await render({ theme: 'dark' });
    const cards = page.getByTestId('mw-feature-card');
    await expect.poll(() => cards.count()).toBe(expected.features.length);
    const order = await cards.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-feature'), e.getAttribute('data-verdict')]),
    );
    expect(order).toEqual(expected.features.map((f) => [f.name, f.verdict]));
    const drifted = expected.features.filter((f) => f.verdict === 'drifted');
    expect(drifted.length).toBeGreaterThan(1);
    expect(order.slice(0, drifted.length).every(([, v]) => v === 'drifted')).toBe(true);
    // highlighted: drifted cards carry the error-coloured inset bar, calm ones do not
    const shadows = await cards.evaluateAll((els) => els.map((e) => getComputedStyle(e).boxShadow));
    expect(shadows[0]).toMatch(/inset/);
    expect(shadows[shadows.length - 1]).toBe('none');
    await expect
      .poll(() => page.getByTestId('mw-summary').textContent())
      .toContain(`${drifted.length} drifted`);
  });

  it('draws a reference and a current bar per bin, scaled to the shares', async () => {
    const feature = expected.features.find((f) => f.kind === 'quantile')!;
    const card = page.locator(`[data-testid="mw-feature-card"][data-feature="${feature.name}"]`);
    const ref = card.locator('[data-testid="mw-bar"][data-dataset="reference"]');
    const cur = card.locator('[data-testid="mw-bar"][data-dataset="current"]');
    expect(await ref.count()).toBe(feature.bins.length);
    expect(await cur.count()).toBe(feature.bins.length);
    const heights = await cur.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    const shares = feature.bins.map((b) => b.current!);
    const tallest = heights.indexOf(Math.max(...heights));
    expect(tallest).toBe(shares.indexOf(Math.max(...shares)));
    const ratio = heights[0]! / shares[0]!;
    for (const [i, h] of heights.entries()) {
      expect(h).toBeCloseTo(shares[i]! * ratio, 0);
    }
    // bins in numeric order of their upper edge, +Inf last
    const keys = await cur.evaluateAll((els) => els.map((e) => e.getAttribute('data-bin')));
    expect(keys).toEqual(feature.bins.map((b) => b.key));
    expect(keys.at(-1)).toBe('+Inf');
  });

  it('shows categories by name', async () => {
    const feature = expected.features.find((f) => f.kind === 'categorical')!;
    const card = page.locator(`[data-testid="mw-feature-card"][data-feature="${feature.name}"]`);
    const keys = await card
      .locator('[data-testid="mw-bar"][data-dataset="reference"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-bin')));
    expect(keys).toEqual(feature.bins.map((b) => b.key));
    const text = await card.locator('svg text').allTextContents();
    expect(text.join(' ')).toContain(feature.bins[0]!.label.slice(0, 3));
  });

  it('shows the test, the score against its threshold in the right direction', async () => {
    for (const f of expected.features.filter((x) => x.score !== undefined)) {
      const score = await page
        .locator(`[data-testid="mw-feature-card"][data-feature="${f.name}"] [data-testid="mw-score"]`)
        .textContent();
      if (f.direction === 'lower') {
        expect(score).toMatch(f.exceeded ? /p = .* < / : /p = .* ≥ /);
      } else {
        expect(score).toMatch(f.exceeded ? / ≥ / : / < /);
      }
    }
  });

  it('shows bin bounds and both proportions in the tooltip on hover', async () => {
    const feature = expected.features.find((f) => f.kind === 'quantile' && f.verdict === 'drifted')!;
    const bin = feature.bins[2]!;
    const card = page.locator(`[data-testid="mw-feature-card"][data-feature="${feature.name}"]`);
    await hoverBin(card, bin.key);
    const tip = page.getByTestId('mw-tooltip');
    await expect.poll(() => tip.count()).toBe(1);
    const text = await tip.textContent();
    expect(text).toContain(feature.name);
    expect(text).toMatch(/≤ x </);
    expect(text).toContain(formatPercent(bin.reference));
    expect(text).toContain(formatPercent(bin.current));
    expect(text).toContain('Reference');
    expect(text).toContain('Current');
    await shot('grid-tooltip-dark');
    await page.mouse.move(2, 2);
    await expect.poll(() => tip.count()).toBe(0);
  });

  it('links each feature to the drift dashboard with var-model and var-feature', async () => {
    const href = await page.getByTestId('mw-dashboard-link').first().getAttribute('href');
    expect(href).toMatch(/^\/d\/modelwatch-drift\?/);
    expect(href).toContain('var-model=credit-risk');
    expect(href).toContain(`var-feature=${encodeURIComponent(expected.features[0]!.name)}`);
    expect(href).toContain('from=now-6h');
  });

  it('renders in dark and light themes (screenshots)', async () => {
    await render({ theme: 'dark', title: 'Feature drift · credit-risk' });
    const dark = await shot('grid-dark');
    const darkBg = await page.locator('#stage').evaluate((e) => getComputedStyle(e).backgroundColor);
    await render({ theme: 'light', title: 'Feature drift · credit-risk' });
    await shot('grid-light');
    const lightBg = await page.locator('#stage').evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(darkBg).not.toBe(lightBg);
    const lightCurrent = await page
      .locator('[data-testid="mw-bar"][data-dataset="current"]')
      .first()
      .getAttribute('fill');
    await render({ theme: 'dark' });
    const darkCurrent = await page
      .locator('[data-testid="mw-bar"][data-dataset="current"]')
      .first()
      .getAttribute('fill');
    expect(lightCurrent).not.toBe(darkCurrent);
    if (process.env.MW_UPDATE_DOCS_IMG === '1') {
      mkdirSync(resolve(DOCS_IMG, '..'), { recursive: true });
      copyFileSync(dark, DOCS_IMG);
    }
  });

  it('draws a step overlay on the same bins', async () => {
    await render({ theme: 'light', options: { chartStyle: 'step' } });
    const paths = page.locator('[data-testid="mw-feature-card"]').first().locator('[data-testid="mw-step"]');
    expect(await paths.count()).toBe(2);
    const d = await paths.nth(1).getAttribute('d');
    const firstQuantile = expected.features.find((f) => f.kind === 'quantile')!;
    const card = page.locator(`[data-testid="mw-feature-card"][data-feature="${firstQuantile.name}"]`);
    const cd = await card.locator('[data-testid="mw-step"][data-dataset="current"]').getAttribute('d');
    // one horizontal segment per bin
    expect((cd!.match(/H/g) ?? []).length).toBe(firstQuantile.bins.length);
    expect(d).toBeTruthy();
    await shot('grid-step-light');
  });

  it('follows the panel width: fewer columns when narrow', async () => {
    await render({ theme: 'dark', width: 420, height: 600 });
    const widths = await page
      .getByTestId('mw-feature-card')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    const lefts = await page
      .getByTestId('mw-feature-card')
      .evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().left))).size);
    expect(lefts).toBe(1);
    expect(Math.max(...widths)).toBeLessThanOrEqual(420);
    await shot('grid-narrow-dark');
    await render({ theme: 'dark', width: 1600, height: 640 });
    const columns = await page
      .getByTestId('mw-feature-card')
      .evaluateAll((els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().left))).size);
    expect(columns).toBeGreaterThanOrEqual(6);
  });

  it('fits narrow panels in every view without horizontal overflow', async () => {
    for (const mode of ['grid', 'focus', 'timeline'] as const) {
      await render({ theme: 'dark', width: 380, height: 520, options: { mode } });
      const overflow = await page
        .getByTestId('mw-drift-panel')
        .evaluate((el) => [el.scrollWidth, el.clientWidth, el.getBoundingClientRect().right]);
      expect(overflow[0], `${mode}: content wider than the panel`).toBeLessThanOrEqual(overflow[1]! + 1);
      await shot(`narrow-${mode}-dark`);
    }
  });

  it('reads table-format frames the same way', async () => {
    await render({ theme: 'dark', format: 'table' });
    const order = await page
      .getByTestId('mw-feature-card')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-feature'), e.getAttribute('data-verdict')]));
    expect(order).toEqual(expected.features.map((f) => [f.name, f.verdict]));
  });
});

describe('focus mode', () => {
  let expected: Expected;
  beforeAll(async () => {
    expected = await expectedModel();
  });

  it('opens a feature from its card with axes, test, score, threshold and verdict', async () => {
    await render({ theme: 'dark' });
    const pTest =
      expected.features.find((f) => f.direction === 'lower' && f.verdict === 'drifted') ??
      expected.features[0]!;
    await page.locator(`[data-testid="mw-feature-card"][data-feature="${pTest.name}"] header button`).click();
    const focus = page.getByTestId('mw-focus');
    await expect.poll(() => focus.getAttribute('data-feature')).toBe(pTest.name);
    const stats = await page.getByTestId('mw-focus-stats').textContent();
    expect(stats).toContain(pTest.direction === 'lower' ? 'drift when p <' : 'drift when score ≥');
    expect(stats).toContain('Drift detected');
    expect(await focus.locator('[data-testid="mw-bar"][data-dataset="current"]').count()).toBe(
      pTest.bins.length,
    );
    await hoverBin(focus, pTest.bins[0]!.key);
    await expect
      .poll(() => page.getByTestId('mw-tooltip').textContent())
      .toContain(formatPercent(pTest.bins[0]!.current));
    await shot('focus-dark');
  });

  it('honours the focus feature option through template variables', async () => {
    const calm = expected.features.find((f) => f.verdict === 'ok')!;
    await render({
      theme: 'light',
      options: { mode: 'focus', feature: '$feature', chartStyle: 'step' },
      templateVars: { model: 'credit-risk', feature: calm.name },
    });
    await expect.poll(() => page.getByTestId('mw-focus').getAttribute('data-feature')).toBe(calm.name);
    expect(await page.getByTestId('mw-focus-stats').textContent()).toContain('Within threshold');
    await shot('focus-step-light');
  });
});

describe('drift over time', () => {
  it('draws a heatmap row per feature, drifted first, with a tooltip per cell', async () => {
    const expected = await expectedModel();
    await render({ theme: 'dark', options: { mode: 'timeline' } });
    const rows = page.getByTestId('mw-heatmap-row');
    const names = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    expect(names).toEqual(expected.features.map((f) => f.name));
    const canvas = page.getByTestId('mw-heatmap-canvas');
    expect(Number(await canvas.getAttribute('data-columns'))).toBe(360); // 6 h at a 1 min step
    const box = (await canvas.boundingBox())!;
    const rowH = box.height / expected.features.length;
    // the most drifted feature, at the end of the range: past its threshold
    await page.mouse.move(box.x + box.width - 2, box.y + rowH / 2);
    const tip = page.getByTestId('mw-tooltip');
    await expect.poll(() => tip.textContent()).toContain('past threshold');
    expect(await tip.textContent()).toContain(expected.features[0]!.name);
    // a calm feature: within
    await page.mouse.move(box.x + box.width - 2, box.y + box.height - rowH / 2);
    await expect.poll(() => tip.textContent()).toContain('within threshold');
    await shot('timeline-dark');
    await render({ theme: 'light', options: { mode: 'timeline' } });
    await shot('timeline-light');
  });
});

describe('empty and partial data', () => {
  it('no data at all: says which queries to add', async () => {
    await render({ theme: 'dark', empty: true, height: 360 });
    const msg = page.getByTestId('mw-message');
    expect(await msg.getAttribute('data-code')).toBe('no-data');
    expect(await msg.textContent()).toContain('modelwatch_feature_bin_ratio');
    await shot('empty-no-data-dark');
  });

  it('no reference uploaded', async () => {
    await render({
      theme: 'light',
      height: 360,
      scenario: { referenceRows: null, withholdCurrent: true },
      only: ['modelwatch_window_rows', 'modelwatch_window_min_rows'],
    });
    const msg = page.getByTestId('mw-message');
    expect(await msg.getAttribute('data-code')).toBe('no-reference');
    expect(await msg.textContent()).toContain('No reference uploaded for credit-risk');
    await shot('empty-no-reference-light');
  });

  it('window below minimum size: warning above the reference distributions', async () => {
    await render({
      theme: 'dark',
      scenario: { windowRows: 140, windowMinRows: 1000, withholdCurrent: true },
    });
    const notice = page.getByTestId('mw-notice');
    expect(await notice.getAttribute('data-code')).toBe('window-too-small');
    expect(await notice.textContent()).toContain('Window below minimum size: 140 of 1,000 rows');
    expect(await page.locator('[data-testid="mw-bar"][data-dataset="current"]').count()).toBe(0);
    expect(await page.locator('[data-testid="mw-bar"][data-dataset="reference"]').count()).toBeGreaterThan(0);
    await shot('partial-small-window-dark');
  });

  it('no page errors while rendering', () => {
    expect(pageErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});

describe('render time (printed, not asserted)', () => {
  it('50 features × 20 bins and a 7-day drift-over-time heatmap', async () => {
    const runs = 5;
    const measure = async (req: RenderRequest) => {
      const out: RenderResult[] = [];
      for (let i = 0; i < runs; i++) {
        out.push(await render(req));
      }
      return out;
    };
    const describeRuns = (xs: RenderResult[]) => {
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
      return `to paint: first ${xs[0]!.renderMs.toFixed(0)} ms, median ${median(xs.map((x) => x.renderMs)).toFixed(0)} ms (React commit median ${median(xs.map((x) => x.commitMs)).toFixed(0)} ms) over ${xs.length} renders`;
    };

    const big: ScenarioOptions = { features: 50, bins: 20, numericOnly: true };
    const grid = await measure({ theme: 'dark', width: 1400, height: 900, scenario: big });
    expect(await page.getByTestId('mw-feature-card').count()).toBe(50);
    expect(await page.locator('[data-testid="mw-bar"][data-dataset="reference"]').count()).toBe(50 * 20);
    expect(await page.locator('[data-testid="mw-bar"][data-dataset="current"]').count()).toBe(50 * 20);
    await shot('perf-50x20-dark');

    const week: ScenarioOptions = { ...big, rangeMs: 7 * 86_400_000, stepMs: 600_000 };
    const heat = await measure({
      theme: 'dark',
      width: 1400,
      height: 900,
      scenario: week,
      options: { mode: 'timeline' },
    });
    expect(await page.getByTestId('mw-heatmap-row').count()).toBe(50);
    await shot('perf-7d-timeline-dark');

    const shapingRuns = await page.evaluate((sc) => {
      const h = (
        window as unknown as {
          harness: { shapeMs: (s: ScenarioOptions, c: number) => Record<string, number> };
        }
      ).harness;
      return [0, 1, 2, 3, 4].map(() => h.shapeMs(sc, 1200));
    }, week);
    const med = (k: string) => shapingRuns.map((r) => r[k]!).sort((a, b) => a - b)[2]!;
    const shaping = { series: med('series'), model: med('model'), timeline: med('timeline') };
    console.log(
      `[render time] Chromium ${browser.version()}, viewport DPR 2, panel 1400×900\n` +
        `[render time] grid, 50 features × 20 bins (2,000 bin-ratio series, ${grid[0]!.frames} frames in time series format): ${describeRuns(grid)}\n` +
        `[render time] drift over time, 50 features × 7 days at a 10 min step (1,009 samples per score series, ${heat[0]!.frames} frames): ${describeRuns(heat)}\n` +
        `[render time] of which data shaping (7-day set, median of 5): frames→series ${shaping.series.toFixed(1)} ms, model ${shaping.model.toFixed(1)} ms, heatmap columns ${shaping.timeline.toFixed(1)} ms`,
    );
  });
});
