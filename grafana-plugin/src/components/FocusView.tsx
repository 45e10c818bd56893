import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { IconButton, LinkButton, Select, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { FeatureDrift } from '../data/drift';
import {
  formatCount,
  formatPercent,
  formatScore,
  methodName,
  ruleText,
  scoreSummary,
  VERDICT_DESCRIPTION,
  VERDICT_TEXT,
} from '../data/format';
import type { ChartStyle } from '../types';
import { DistributionChart } from './DistributionChart';
import { Legend } from './Legend';
import type { Palette } from './palette';
import type { TooltipState } from './Tooltip';

export interface FocusViewProps {
  features: readonly FeatureDrift[];
  feature: FeatureDrift;
  width: number;
  height: number;
  chartStyle: ChartStyle;
  palette: Palette;
  referenceRows?: number;
  windowRows?: number;
  onSelect: (feature: string) => void;
  onTooltip: (state: TooltipState | null) => void;
  dashboardUrl?: string;
}

const TOOLBAR_HEIGHT = 36;
const STATS_WIDTH = 250;

/** The bin whose share changed most, for the summary. */
function largestShift(f: FeatureDrift): string {
  let best: { label: string; delta: number; ref: number; cur: number } | undefined;
  for (const b of f.bins) {
    if (b.reference === null || b.current === null) {
      continue;
    }
    const delta = Math.abs(b.current - b.reference);
    if (!best || delta > best.delta) {
      best = { label: b.label, delta, ref: b.reference, cur: b.current };
    }
  }
  return best ? `${best.label}: ${formatPercent(best.ref)} → ${formatPercent(best.cur)}` : '—';
}

/** One feature, large: the distributions with axes, the test, score, threshold and verdict. */
export function FocusView(props: FocusViewProps): React.JSX.Element {
  const { features, feature, width, height, chartStyle, palette, onSelect, onTooltip, dashboardUrl } = props;
  const styles = useStyles2(getStyles);
  const index = features.findIndex((f) => f.name === feature.name);
  const side = width >= 640;
  const statsH = side ? 0 : 64;
  const chartW = side ? width - STATS_WIDTH - 16 : width;
  const chartH = Math.max(80, height - TOOLBAR_HEIGHT - 24 - statsH);
  const options: Array<SelectableValue<string>> = features.map((f) => ({
    value: f.name,
    label: f.name,
    description: `${VERDICT_TEXT[f.verdict]}${scoreSummary(f) ? ` · ${scoreSummary(f)}` : ''}`,
  }));
  const binCount = feature.bins.length;
  const binText =
    feature.kind === 'quantile'
      ? `${binCount} quantile bins`
      : feature.kind === 'none'
        ? 'no distribution data'
        : `${binCount} ${feature.kind === 'discrete' ? 'values' : 'categories'}`;

  const stats: Array<[string, React.ReactNode]> = [
    ['Test', methodName(feature.method)],
    [
      feature.direction === 'lower' ? 'p-value' : 'Score',
      <span key="s" style={{ color: feature.exceeded ? palette.verdict.drifted : undefined }}>
        {formatScore(feature.score)}
      </span>,
    ],
    ['Threshold', feature.threshold === undefined ? '—' : ruleText(feature)],
    ...(feature.pValue !== undefined && feature.direction !== 'lower'
      ? ([['p-value', formatScore(feature.pValue)]] as Array<[string, React.ReactNode]>)
      : []),
    [
      'Verdict',
      <span key="v" style={{ color: palette.verdict[feature.verdict] }}>
        {VERDICT_DESCRIPTION[feature.verdict]}
      </span>,
    ],
    ['Bins', binText],
    ['Largest shift', largestShift(feature)],
    ['Rows', `reference ${formatCount(props.referenceRows)} · current ${formatCount(props.windowRows)}`],
  ];

  return (
    <div className={styles.wrap} data-testid="mw-focus" data-feature={feature.name}>
      <div className={styles.toolbar} style={{ height: TOOLBAR_HEIGHT }}>
        <IconButton
          name="angle-left"
          tooltip="Previous feature"
          disabled={index <= 0}
          onClick={() => index > 0 && onSelect(features[index - 1]!.name)}
        />
        <div className={styles.select} data-testid="mw-focus-select">
          <Select
            options={options}
            value={feature.name}
            onChange={(v) => v.value && onSelect(v.value)}
            width={Math.min(36, Math.max(18, Math.floor((width - 260) / 8)))}
            aria-label="Feature"
          />
        </div>
        <IconButton
          name="angle-right"
          tooltip="Next feature"
          disabled={index >= features.length - 1}
          onClick={() => index < features.length - 1 && onSelect(features[index + 1]!.name)}
        />
        <span
          className={styles.badge}
          style={{ color: palette.verdict[feature.verdict], borderColor: palette.verdict[feature.verdict] }}
          data-testid="mw-verdict"
        >
          {VERDICT_TEXT[feature.verdict]}
        </span>
        <span className={styles.spacer} />
        {dashboardUrl &&
          (width >= 480 ? (
            <LinkButton
              size="sm"
              variant="secondary"
              fill="outline"
              icon="external-link-alt"
              href={dashboardUrl}
            >
              Drift dashboard
            </LinkButton>
          ) : (
            <LinkButton
              size="sm"
              variant="secondary"
              fill="text"
              icon="external-link-alt"
              href={dashboardUrl}
              tooltip="Open in the drift dashboard"
              aria-label="Open in the drift dashboard"
            />
          ))}
      </div>
      <div className={styles.body} style={{ flexDirection: side ? 'row' : 'column' }}>
        <div>
          <DistributionChart
            feature={feature.name}
            kind={feature.kind}
            bins={feature.bins}
            width={chartW}
            height={chartH}
            chartStyle={chartStyle}
            detailed
            palette={palette}
            onTooltip={onTooltip}
          />
          <Legend palette={palette} chartStyle={chartStyle} />
        </div>
        <table
          className={styles.stats}
          style={side ? { width: STATS_WIDTH } : { width: '100%' }}
          data-testid="mw-focus-stats"
        >
          <tbody className={side ? undefined : styles.inlineStats}>
            {stats.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {feature.bins.some((b) => b.current === null) && feature.bins.some((b) => b.reference !== null) && (
        <div className={styles.note}>
          Some bins have no current share; they are drawn for the reference only.
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    display: 'flex',
    flexDirection: 'column',
    height: '100%',
    // narrow panels: the details below the chart scroll
    overflowY: 'auto',
    overflowX: 'hidden',
  }),
  toolbar: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
  }),
  select: css({
    minWidth: 0,
  }),
  badge: css({
    fontSize: 11,
    lineHeight: '18px',
    padding: '0 8px',
    border: '1px solid',
    borderRadius: theme.shape.radius.pill,
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap',
  }),
  spacer: css({ flex: '1 1 auto' }),
  body: css({
    display: 'flex',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  }),
  stats: css({
    alignSelf: 'flex-start',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    th: {
      textAlign: 'left',
      fontWeight: theme.typography.fontWeightRegular,
      color: theme.colors.text.secondary,
      padding: theme.spacing(0.5, 1, 0.5, 0),
      verticalAlign: 'top',
      whiteSpace: 'nowrap',
    },
    td: {
      padding: theme.spacing(0.5, 0),
      fontVariantNumeric: 'tabular-nums',
    },
    tr: {
      borderBottom: `1px solid ${theme.colors.border.weak}`,
    },
  }),
  inlineStats: css({
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(2),
    tr: { border: 'none' },
  }),
  note: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
});
