import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

import type { ChartStyle } from '../types';
import type { Palette } from './palette';

/** "■ Reference ■ Current" in the chart's own marks. */
export function Legend({
  palette,
  chartStyle,
}: {
  palette: Palette;
  chartStyle: ChartStyle;
}): React.JSX.Element {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.legend} data-testid="mw-legend">
      <span className={styles.item}>
        <svg width={14} height={10} aria-hidden="true">
          <rect
            x={0}
            y={0}
            width={14}
            height={10}
            rx={2}
            fill={palette.referenceFill}
            stroke={chartStyle === 'step' ? palette.reference : 'none'}
          />
        </svg>
        Reference
      </span>
      <span className={styles.item}>
        <svg width={14} height={10} aria-hidden="true">
          {chartStyle === 'step' ? (
            <line x1={0} x2={14} y1={5} y2={5} stroke={palette.current} strokeWidth={2.5} />
          ) : (
            <rect x={0} y={0} width={14} height={10} rx={2} fill={palette.currentFill} />
          )}
        </svg>
        Current window
      </span>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  legend: css({
    display: 'flex',
    gap: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
  }),
  item: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
  }),
});
