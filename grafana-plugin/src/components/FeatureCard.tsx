import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

import { limitBins } from '../data/bins';
import type { FeatureDrift } from '../data/drift';
import { ruleText, scoreSummary, VERDICT_DESCRIPTION, VERDICT_TEXT } from '../data/format';
import type { ChartStyle } from '../types';
import { DistributionChart } from './DistributionChart';
import type { Palette } from './palette';
import type { TooltipState } from './Tooltip';

export interface FeatureCardProps {
  feature: FeatureDrift;
  width: number;
  height: number;
  chartStyle: ChartStyle;
  maxCategories: number;
  palette: Palette;
  onTooltip: (state: TooltipState | null) => void;
  onOpen: (feature: string) => void;
  dashboardUrl?: string;
}

export const CARD_HEADER_HEIGHT = 46;

/** One small multiple: feature name, verdict, score against threshold, and the two distributions. */
export function FeatureCard(props: FeatureCardProps): React.JSX.Element {
  const { feature, width, height, chartStyle, maxCategories, palette, onTooltip, onOpen, dashboardUrl } =
    props;
  const styles = useStyles2(getStyles);
  const bins = feature.kind === 'none' ? [] : limitBins(feature.bins, feature.kind, maxCategories);
  const summary = scoreSummary(feature);
  const chartH = height - CARD_HEADER_HEIGHT - 10;
  const chartW = width - 18;
  const kindText = feature.kind === 'quantile' ? 'numeric' : feature.kind === 'none' ? '' : feature.kind;

  return (
    <section
      className={cx(
        styles.card,
        feature.verdict === 'drifted' && styles.drifted,
        feature.verdict === 'pending' && styles.pending,
      )}
      style={{
        width,
        height,
        background: palette.verdictBackground[feature.verdict],
        // skip layout and paint of cards scrolled out of view (50+ features)
        contentVisibility: 'auto',
        containIntrinsicSize: `${width}px ${height}px`,
      }}
      data-testid="mw-feature-card"
      data-feature={feature.name}
      data-verdict={feature.verdict}
      aria-label={`${feature.name}: ${VERDICT_DESCRIPTION[feature.verdict]}`}
    >
      <header className={styles.header}>
        <button
          type="button"
          className={styles.name}
          title={`${feature.name} — open in focus view`}
          onClick={() => onOpen(feature.name)}
        >
          {feature.name}
        </button>
        <span
          className={styles.badge}
          style={{ color: palette.verdict[feature.verdict], borderColor: palette.verdict[feature.verdict] }}
          title={VERDICT_DESCRIPTION[feature.verdict]}
          data-testid="mw-verdict"
        >
          {VERDICT_TEXT[feature.verdict]}
        </span>
      </header>
      <div className={styles.meta}>
        <span
          className={styles.score}
          style={{
            color: feature.exceeded
              ? palette.verdict[feature.verdict === 'ok' ? 'pending' : feature.verdict]
              : undefined,
          }}
          title={ruleText(feature)}
          data-testid="mw-score"
        >
          {summary ?? 'no drift score'}
        </span>
        <span className={styles.kind}>
          {kindText}
          {dashboardUrl && (
            <a
              className={styles.link}
              href={dashboardUrl}
              title={`Open ${feature.name} in the drift dashboard`}
              data-testid="mw-dashboard-link"
            >
              ↗
            </a>
          )}
        </span>
      </div>
      <div className={styles.chart}>
        {bins.length > 0 ? (
          <DistributionChart
            feature={feature.name}
            kind={feature.kind}
            bins={bins}
            width={chartW}
            height={chartH}
            chartStyle={chartStyle}
            palette={palette}
            onTooltip={onTooltip}
          />
        ) : (
          <div className={styles.noBins} style={{ height: chartH }}>
            no distribution data
          </div>
        )}
      </div>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0.75, 1, 0.5, 1),
    overflow: 'hidden',
  }),
  drifted: css({
    borderColor: theme.colors.error.border,
    boxShadow: `inset 3px 0 0 ${theme.colors.error.main}`,
  }),
  pending: css({
    borderColor: theme.colors.warning.border,
    boxShadow: `inset 3px 0 0 ${theme.colors.warning.main}`,
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    minHeight: 20,
  }),
  name: css({
    all: 'unset',
    cursor: 'pointer',
    flex: '1 1 auto',
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontWeight: theme.typography.fontWeightMedium,
    fontSize: theme.typography.body.fontSize,
    color: theme.colors.text.primary,
    '&:hover': { textDecoration: 'underline' },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  badge: css({
    flex: '0 0 auto',
    fontSize: 11,
    lineHeight: '16px',
    padding: '0 6px',
    border: '1px solid',
    borderRadius: theme.shape.radius.pill,
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap',
  }),
  meta: css({
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginTop: 2,
    marginBottom: 4,
    whiteSpace: 'nowrap',
  }),
  score: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    fontVariantNumeric: 'tabular-nums',
  }),
  kind: css({
    flex: '0 0 auto',
    display: 'flex',
    gap: theme.spacing(0.75),
  }),
  link: css({
    color: theme.colors.text.link,
    textDecoration: 'none',
    '&:hover': { textDecoration: 'underline' },
  }),
  chart: css({
    flex: '1 1 auto',
  }),
  noBins: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    color: theme.colors.text.disabled,
    fontSize: theme.typography.bodySmall.fontSize,
    border: `1px dashed ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
});
