/**
 * Browser harness host: provides the modules Grafana provides to plugins (react, react-dom, @grafana/data,
 * @grafana/ui, @grafana/runtime, @emotion/css) through a tiny AMD `define`, loads the built dist/module.js
 * exactly as Grafana's SystemJS loader would, and mounts the plugin's panel in a real PanelChrome with
 * realistic Prometheus frames.
 */
import './boot';

import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import {
  createTheme,
  type DataFrame,
  dateTime,
  LoadingState,
  makeTimeRange,
  type PanelData,
  PanelOptionsEditorBuilder,
  type PanelPlugin,
} from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import { GlobalStyles, PanelChrome, ThemeContext } from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

import { buildDriftModel, type FeatureDrift } from '../../src/data/drift';
import { framesToSeries } from '../../src/data/frames';
import { buildTimeline } from '../../src/data/timeline';
import type { PromTargetResult } from '../../src/testing/prometheusApi';
import { grafanaPrometheusFrames } from '../../src/testing/prometheusFrames';
import { buildScenario, type ScenarioOptions, scenarioFrames } from '../../src/testing/scenario';

type Factory = (...deps: unknown[]) => unknown;

const modules: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
};

/** The part of AMD the plugin bundle uses: define([deps], factory). */
function loadPlugin(url: string): Promise<{ plugin: PanelPlugin; deps: string[] }> {
  return new Promise((resolve, reject) => {
    const w = window as unknown as { define?: ((deps: string[], f: Factory) => void) & { amd?: object } };
    const define = (deps: string[], factory: Factory) => {
      const resolved = deps.map((d) => {
        if (d === 'module') {
          return { uri: url, id: url };
        }
        if (!(d in modules)) {
          throw new Error(`plugin requires ${d}, which Grafana does not provide here`);
        }
        return modules[d];
      });
      const exports = factory(...resolved) as { plugin?: PanelPlugin };
      if (!exports?.plugin) {
        reject(new Error('module.js did not export `plugin`'));
        return;
      }
      resolve({ plugin: exports.plugin, deps });
    };
    define.amd = {};
    w.define = define;
    const script = document.createElement('script');
    script.src = url;
    script.onerror = () => reject(new Error(`failed to load ${url}`));
    document.head.appendChild(script);
  });
}

export interface RenderRequest {
  theme?: 'dark' | 'light';
  width?: number;
  height?: number;
  title?: string;
  options?: Record<string, unknown>;
  scenario?: ScenarioOptions;
  /** Draw what a real Prometheus returned for these targets (as Grafana's data source frames it) instead of the scenario. */
  prometheus?: PromTargetResult[];
  /** Absolute time range (Unix ms) instead of `rangeMs` ending at scenario.now. */
  timeRange?: { from: number; to: number };
  /** Frames format for the instant queries. */
  format?: 'timeseries' | 'table';
  /** Empty data: no frames at all. */
  empty?: boolean;
  /** Keep only frames whose metric matches. */
  only?: string[];
  /** Time range span ending at scenario.now. */
  rangeMs?: number;
  templateVars?: Record<string, string>;
}

/** What the panel should draw for a scenario, from the same pure data-shaping functions (unit-tested separately). */
export interface Expected {
  features: Array<
    Pick<FeatureDrift, 'name' | 'verdict' | 'kind' | 'direction' | 'exceeded' | 'score' | 'bins'>
  >;
}

export interface RenderResult {
  /** From render() to the second animation frame after the commit: React work, layout and paint. */
  renderMs: number;
  /** React render + commit (DOM and canvas written), before the browser's layout and paint. */
  commitMs: number;
  frames: number;
}

let root: Root | undefined;
// One theme object per mode, as in Grafana (styles are cached per theme instance).
const themes = {
  dark: createTheme({ colors: { mode: 'dark' } }),
  light: createTheme({ colors: { mode: 'light' } }),
};
const container = document.getElementById('root')!;

function setTemplateVars(vars: Record<string, string>): void {
  grafanaRuntime.setTemplateSrv({
    getVariables: () => [],
    containsTemplate: (t?: string) => !!t && /\$\w+|\$\{/.test(t),
    updateTimeRange: () => undefined,
    replace: (target?: string) =>
      (target ?? '').replace(
        /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
        (m, a: string | undefined, b: string | undefined) => {
          const name = a ?? b ?? '';
          return name in vars ? vars[name]! : m;
        },
      ),
  });
}

/**
 * Grafana core registers its option editors at startup (getAllOptionEditors); the harness registers
 * placeholders under the same ids so the plugin's options builder runs as in Grafana.
 */
grafanaData.standardEditorsRegistry.setInit(() =>
  [
    'text',
    'number',
    'slider',
    'boolean',
    'radio',
    'select',
    'multiSelect',
    'color',
    'unit',
    'strings',
    'links',
  ].map((id) => ({
    id,
    name: id,
    editor: () => null,
  })),
);

function optionDefaults(plugin: PanelPlugin): Record<string, unknown> {
  const builder = new PanelOptionsEditorBuilder<Record<string, unknown>>();
  plugin.getPanelOptionsSupplier()(builder, { data: [] });
  const out: Record<string, unknown> = {};
  for (const item of builder.getItems()) {
    out[item.path] = item.defaultValue;
  }
  return out;
}

async function main(): Promise<void> {
  const { plugin, deps } = await loadPlugin('/dist/module.js');
  const defaults = optionDefaults(plugin);
  const Panel = plugin.panel!;

  const render = async (req: RenderRequest): Promise<RenderResult> => {
    const theme = themes[req.theme ?? 'dark'];
    document.body.style.background = theme.colors.background.canvas;
    const now = req.scenario?.now ?? Date.UTC(2026, 10, 23, 12, 0, 0);
    const rangeMs = req.rangeMs ?? req.scenario?.rangeMs ?? 6 * 3_600_000;
    const scenario = buildScenario({ ...req.scenario, now, rangeMs });
    let frames: DataFrame[] = req.empty
      ? []
      : req.prometheus
        ? grafanaPrometheusFrames(req.prometheus)
        : scenarioFrames(scenario, {
            format: req.format ?? 'timeseries',
            stepMs: req.scenario?.stepMs ?? 60_000,
          });
    if (req.only) {
      const keep = new Set(req.only);
      frames = frames.filter((f) =>
        f.fields.some(
          (fl) =>
            keep.has(String(fl.labels?.__name__ ?? '')) ||
            (fl.name === '__name__' && fl.values.some((v) => keep.has(String(v)))),
        ),
      );
    }
    const timeRange = req.timeRange
      ? makeTimeRange(dateTime(req.timeRange.from), dateTime(req.timeRange.to))
      : makeTimeRange(dateTime(now - rangeMs), dateTime(now));
    if (!req.timeRange) {
      timeRange.raw = { from: `now-${Math.round(rangeMs / 3_600_000)}h`, to: 'now' };
    }
    const data: PanelData = { state: LoadingState.Done, series: frames, timeRange };
    setTemplateVars(
      req.templateVars ?? { model: scenario.binRatio[0]?.labels.model ?? 'credit-risk', feature: '' },
    );
    const width = req.width ?? 1200;
    const height = req.height ?? 640;
    const options = { ...defaults, ...req.options };

    const element = (
      <ThemeContext.Provider value={theme}>
        <GlobalStyles />
        <div
          style={{ padding: 16, width: width + 32, background: theme.colors.background.canvas }}
          id="stage"
        >
          <PanelChrome title={req.title ?? 'Feature drift'} width={width} height={height}>
            {(innerWidth: number, innerHeight: number) => (
              <Panel
                id={1}
                data={data}
                timeRange={timeRange}
                timeZone="utc"
                options={options}
                transparent={false}
                width={innerWidth}
                height={innerHeight}
                fieldConfig={{ defaults: {}, overrides: [] }}
                renderCounter={0}
                title="Feature drift"
                eventBus={new grafanaData.EventBusSrv()}
                onOptionsChange={() => undefined}
                onFieldConfigChange={() => undefined}
                replaceVariables={(s: string) => s}
                onChangeTimeRange={() => undefined}
              />
            )}
          </PanelChrome>
        </div>
      </ThemeContext.Provider>
    );

    root?.unmount();
    root = createRoot(container);
    const t0 = performance.now();
    flushSync(() => root!.render(element));
    // React's commit (including layout effects that draw the canvas) is synchronous; then wait for the
    // browser to lay out and paint the result.
    const commitMs = performance.now() - t0;
    await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));
    const renderMs = performance.now() - t0;
    return { renderMs, commitMs, frames: frames.length };
  };

  const expected = (scenario: ScenarioOptions = {}): Expected => {
    const now = scenario.now ?? Date.UTC(2026, 10, 23, 12, 0, 0);
    const s = buildScenario({ rangeMs: 6 * 3_600_000, ...scenario, now });
    const model = buildDriftModel(framesToSeries(scenarioFrames(s)), { model: 'credit-risk' });
    return {
      features: model.features.map(({ name, verdict, kind, direction, exceeded, score, bins }) => ({
        name,
        verdict,
        kind,
        direction,
        ...(exceeded !== undefined ? { exceeded } : {}),
        ...(score !== undefined ? { score } : {}),
        bins,
      })),
    };
  };

  /** Time of the pure data shaping alone (frames → model → heatmap columns), for the render-time report. */
  const shapeMs = (
    scenario: ScenarioOptions,
    columns: number,
  ): { series: number; model: number; timeline: number } => {
    const now = scenario.now ?? Date.UTC(2026, 10, 23, 12, 0, 0);
    const rangeMs = scenario.rangeMs ?? 6 * 3_600_000;
    const frames = scenarioFrames(buildScenario({ ...scenario, now, rangeMs }), {
      stepMs: scenario.stepMs ?? 60_000,
    });
    const t0 = performance.now();
    const series = framesToSeries(frames);
    const t1 = performance.now();
    const model = buildDriftModel(series, { model: 'credit-risk' });
    const t2 = performance.now();
    buildTimeline(model, { from: now - rangeMs, to: now, maxColumns: columns });
    const t3 = performance.now();
    return { series: t1 - t0, model: t2 - t1, timeline: t3 - t2 };
  };

  (window as unknown as { harness: unknown }).harness = {
    render,
    expected,
    shapeMs,
    plugin: {
      deps,
      optionPaths: Object.keys(defaults),
      defaults,
      hasPanel: typeof plugin.panel === 'function' || typeof plugin.panel === 'object',
    },
  };
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  document.body.dataset.error = String(e instanceof Error ? (e.stack ?? e.message) : e);
  console.error(e);
});
