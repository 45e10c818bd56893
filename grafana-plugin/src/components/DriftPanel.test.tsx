import { dateTime, LoadingState, makeTimeRange, type PanelProps } from '@grafana/data';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { buildScenario, scenarioFrames } from '../testing/scenario';
import { DEFAULT_OPTIONS, type DriftPanelOptions } from '../types';
import { DriftPanel, drilldownUrl } from './DriftPanel';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const timeRange = makeTimeRange(dateTime(NOW - 6 * 3_600_000), dateTime(NOW));
timeRange.raw = { from: 'now-6h', to: 'now' };

function props(over: Partial<PanelProps<DriftPanelOptions>> = {}, options: Partial<DriftPanelOptions> = {}) {
  const frames = scenarioFrames(buildScenario({ now: NOW, rangeMs: 6 * 3_600_000 }));
  return {
    id: 1,
    data: { state: LoadingState.Done, series: frames, timeRange },
    timeRange,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...options },
    transparent: false,
    width: 1200,
    height: 700,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    title: 'Drift',
    eventBus: { publish: () => undefined } as never,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    // no template service registered in unit tests: the panel falls back to replaceVariables
    replaceVariables: (s: string) => s.replace('$model', 'credit-risk'),
    onChangeTimeRange: () => undefined,
    ...over,
  } as PanelProps<DriftPanelOptions>;
}

afterEach(cleanup);

describe('DriftPanel (jsdom)', () => {
  it('renders a card per feature with drifted ones first, and switches views', () => {
    render(<DriftPanel {...props()} />);
    const cards = screen.getAllByTestId('mw-feature-card');
    expect(cards).toHaveLength(12);
    expect(cards[0]!.getAttribute('data-verdict')).toBe('drifted');
    expect(screen.getByTestId('mw-summary').textContent).toMatch(/\d drifted/);

    act(() => {
      fireEvent.click(cards[0]!.querySelector('header button')!);
    });
    expect(screen.getByTestId('mw-focus').getAttribute('data-feature')).toBe(
      cards[0]!.getAttribute('data-feature'),
    );

    act(() => {
      fireEvent.click(screen.getByText('Over time'));
    });
    expect(screen.getAllByTestId('mw-heatmap-row')).toHaveLength(12);
  });

  it('explains empty data', () => {
    render(<DriftPanel {...props({ data: { state: LoadingState.Done, series: [], timeRange } })} />);
    expect(screen.getByTestId('mw-message').getAttribute('data-code')).toBe('no-data');
  });

  it('reports a model variable that matches no data', () => {
    render(<DriftPanel {...props({}, { model: 'fraud' })} />);
    expect(screen.getByTestId('mw-message').textContent).toContain('No data for model "fraud"');
  });

  it('builds drill-down links to the drift dashboard', () => {
    expect(drilldownUrl('modelwatch-drift', 'credit-risk', 'age', timeRange)).toBe(
      '/d/modelwatch-drift?from=now-6h&to=now&var-feature=age&var-model=credit-risk',
    );
  });
});
