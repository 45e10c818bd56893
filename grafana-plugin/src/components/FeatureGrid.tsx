import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

import type { FeatureDrift } from '../data/drift';
import type { ChartStyle } from '../types';
import { FeatureCard } from './FeatureCard';
import type { Palette } from './palette';
import type { TooltipState } from './Tooltip';

export interface FeatureGridProps {
  features: readonly FeatureDrift[];
  width: number;
  height: number;
  minCardWidth: number;
  chartStyle: ChartStyle;
  maxCategories: number;
  palette: Palette;
  onTooltip: (state: TooltipState | null) => void;
  onOpen: (feature: string) => void;
  dashboardUrl?: (feature: string) => string | undefined;
}

export const GRID_GAP = 8;

/** Columns and card size for the available width: as many columns of at least minCardWidth as fit. */
export function gridLayout(
  width: number,
  height: number,
  count: number,
  minCardWidth: number,
): { columns: number; cardWidth: number; cardHeight: number } {
  const usable = Math.max(120, width);
  const columns = Math.max(
    1,
    Math.min(count || 1, Math.floor((usable + GRID_GAP) / (Math.max(120, minCardWidth) + GRID_GAP))),
  );
  const cardWidth = Math.floor((usable - (columns - 1) * GRID_GAP) / columns);
  const rows = Math.ceil(count / columns);
  // Fill the height when everything fits, else keep a readable aspect ratio and scroll.
  const fitting = Math.floor((height - (rows - 1) * GRID_GAP) / Math.max(1, rows));
  const natural = Math.round(Math.min(210, Math.max(140, cardWidth * 0.6)));
  const cardHeight = fitting >= 140 ? Math.min(fitting, 260) : natural;
  return { columns, cardWidth, cardHeight };
}

/** The small-multiples view: one card per feature, drifted features first. */
export function FeatureGrid(props: FeatureGridProps): React.JSX.Element {
  const { features, width, height, minCardWidth, dashboardUrl, ...card } = props;
  const styles = useStyles2(getStyles);
  // Leave room for a vertical scrollbar when the cards overflow.
  const first = gridLayout(width, height, features.length, minCardWidth);
  const rows = Math.ceil(features.length / first.columns);
  const overflow = rows * first.cardHeight + (rows - 1) * GRID_GAP > height;
  const layout = overflow ? gridLayout(width - 12, height, features.length, minCardWidth) : first;

  return (
    <div className={styles.scroll} style={{ height }} data-testid="mw-grid">
      <div
        className={styles.grid}
        style={{ gridTemplateColumns: `repeat(${layout.columns}, ${layout.cardWidth}px)`, gap: GRID_GAP }}
      >
        {features.map((f) => (
          <FeatureCard
            key={f.name}
            feature={f}
            width={layout.cardWidth}
            height={layout.cardHeight}
            {...card}
            {...(dashboardUrl?.(f.name) ? { dashboardUrl: dashboardUrl(f.name)! } : {})}
          />
        ))}
      </div>
    </div>
  );
}

const getStyles = (_theme: GrafanaTheme2) => ({
  scroll: css({
    overflowY: 'auto',
    overflowX: 'hidden',
  }),
  grid: css({
    display: 'grid',
  }),
});
