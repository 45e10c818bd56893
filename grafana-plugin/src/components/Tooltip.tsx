import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Portal, useStyles2, VizTooltipContainer } from '@grafana/ui';
import React from 'react';

export interface TooltipRow {
  label: string;
  value: string;
  /** Colour swatch before the label. */
  color?: string;
  emphasis?: boolean;
}

export interface TooltipContent {
  title: string;
  subtitle?: string;
  rows: TooltipRow[];
  footer?: string;
}

export interface TooltipState {
  /** Viewport coordinates of the pointer. */
  x: number;
  y: number;
  content: TooltipContent;
}

/** A Grafana-styled tooltip that follows the pointer, rendered in the portal so panel edges never clip it. */
export function ChartTooltip({ state }: { state: TooltipState | null }): React.JSX.Element | null {
  const styles = useStyles2(getStyles);
  if (!state) {
    return null;
  }
  const { content } = state;
  return (
    <Portal>
      <VizTooltipContainer position={{ x: state.x, y: state.y }} offset={{ x: 14, y: 14 }}>
        <div className={styles.box} data-testid="mw-tooltip" role="tooltip">
          <div className={styles.title}>{content.title}</div>
          {content.subtitle && <div className={styles.subtitle}>{content.subtitle}</div>}
          <table className={styles.table}>
            <tbody>
              {content.rows.map((row) => (
                <tr key={row.label}>
                  <td className={styles.label}>
                    {row.color && <span className={styles.swatch} style={{ background: row.color }} />}
                    {row.label}
                  </td>
                  <td className={row.emphasis ? styles.valueStrong : styles.value}>{row.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {content.footer && <div className={styles.footer}>{content.footer}</div>}
        </div>
      </VizTooltipContainer>
    </Portal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    minWidth: 180,
    maxWidth: 360,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  title: css({
    fontWeight: theme.typography.fontWeightMedium,
    marginBottom: theme.spacing(0.25),
    wordBreak: 'break-all',
  }),
  subtitle: css({
    color: theme.colors.text.secondary,
    marginBottom: theme.spacing(0.75),
    fontFamily: theme.typography.fontFamilyMonospace,
  }),
  table: css({
    borderCollapse: 'collapse',
    width: '100%',
  }),
  label: css({
    color: theme.colors.text.secondary,
    paddingRight: theme.spacing(2),
    whiteSpace: 'nowrap',
  }),
  value: css({
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
  valueStrong: css({
    textAlign: 'right',
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
    fontWeight: theme.typography.fontWeightMedium,
  }),
  swatch: css({
    display: 'inline-block',
    width: 10,
    height: 10,
    borderRadius: 2,
    marginRight: theme.spacing(0.75),
    verticalAlign: 'middle',
  }),
  footer: css({
    marginTop: theme.spacing(0.75),
    color: theme.colors.text.secondary,
  }),
});
