import { useTheme2 } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';

import { type Bin, type BinKind, describeBin, formatEdge } from '../data/bins';
import { formatDelta, formatPercent } from '../data/format';
import { niceMax, shareTicks } from '../data/scale';
import type { ChartStyle } from '../types';
import type { Palette } from './palette';
import type { TooltipContent, TooltipState } from './Tooltip';

export interface DistributionChartProps {
  feature: string;
  kind: BinKind | 'none';
  bins: readonly Bin[];
  width: number;
  height: number;
  chartStyle: ChartStyle;
  /** Full axes (focus view) rather than the small-multiple layout. */
  detailed?: boolean;
  palette: Palette;
  onTooltip: (state: TooltipState | null) => void;
}

/** Tooltip for one bin: its bounds and both proportions. */
export function binTooltip(
  feature: string,
  kind: BinKind | 'none',
  bin: Bin,
  palette: Palette,
): TooltipContent {
  const rows = [
    { label: 'Reference', value: formatPercent(bin.reference), color: palette.reference },
    { label: 'Current', value: formatPercent(bin.current), color: palette.current, emphasis: true },
    { label: 'Change', value: formatDelta(bin.reference, bin.current) },
  ];
  if (bin.reference !== null && bin.current !== null && bin.reference > 0) {
    rows.push({ label: 'Ratio', value: `×${(bin.current / bin.reference).toFixed(2)}` });
  }
  return {
    title: `${feature} · ${bin.label}`,
    subtitle: kind === 'none' ? bin.label : describeBin(bin, kind),
    rows,
    ...(bin.merged ? { footer: `${bin.merged} smaller categories merged` } : {}),
  };
}

const charWidth = (fontSize: number): number => fontSize * 0.58;

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  return maxChars <= 1 ? '…' : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/**
 * Reference vs current share per bin on the same bins: grouped bars, or a filled reference step with the
 * current distribution drawn as a step line over it. Bins have equal width (quantile bins hold equal
 * reference mass, so this is the usual drift view).
 */
export function DistributionChart(props: DistributionChartProps): React.JSX.Element {
  const { feature, kind, bins, width, height, chartStyle, detailed = false, palette, onTooltip } = props;
  const theme = useTheme2();
  const [hover, setHover] = useState<number | null>(null);
  const fontSize = detailed ? 11 : 10;
  const n = Math.max(1, bins.length);

  const margin = detailed
    ? { top: 8, right: 12, bottom: kind === 'quantile' ? 24 : 26, left: 42 }
    : { top: 4, right: 2, bottom: 14, left: 2 };
  const plotW = Math.max(10, width - margin.left - margin.right);
  const plotH = Math.max(10, height - margin.top - margin.bottom);
  const band = plotW / n;

  const yMax = useMemo(() => {
    let max = 0;
    for (const b of bins) {
      max = Math.max(max, b.reference ?? 0, b.current ?? 0);
    }
    return niceMax(max || 0.01);
  }, [bins]);
  const y = useCallback(
    (v: number) => margin.top + plotH - (Math.min(v, yMax) / yMax) * plotH,
    [margin.top, plotH, yMax],
  );
  const x0 = margin.left;
  const baseline = margin.top + plotH;

  // One hover target for the whole plot: the bin under the pointer follows from its x position.
  const onMove = (e: React.MouseEvent<SVGRectElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const i = Math.min(n - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * n)));
    const bin = bins[i];
    if (!bin) {
      return;
    }
    setHover(i);
    onTooltip({ x: e.clientX, y: e.clientY, content: binTooltip(feature, kind, bin, palette) });
  };
  const onLeave = () => {
    setHover(null);
    onTooltip(null);
  };

  // Bars or steps
  const marks: React.ReactNode[] = [];
  if (chartStyle === 'bars') {
    const pad = Math.max(0.5, Math.min(band * 0.14, 6));
    // With one data set only (no current window yet), its bars take the whole group.
    const hasRef = bins.some((b) => b.reference !== null);
    const hasCur = bins.some((b) => b.current !== null);
    const single = hasRef !== hasCur;
    const inner = band - 2 * pad;
    // Bars stay slender when there are few bins; the group is centred in its band.
    const barW = Math.max(1, Math.min(single ? inner * 0.7 : inner / 2, 56));
    const groupW = single ? barW : 2 * barW;
    bins.forEach((b, i) => {
      const left = x0 + i * band + (band - groupW) / 2;
      if (b.reference !== null) {
        marks.push(
          <rect
            key={`r${b.key}`}
            data-testid="mw-bar"
            data-dataset="reference"
            data-bin={b.key}
            x={left}
            y={y(b.reference)}
            width={barW}
            height={Math.max(0, baseline - y(b.reference))}
            fill={palette.referenceFill}
          />,
        );
      }
      if (b.current !== null) {
        marks.push(
          <rect
            key={`c${b.key}`}
            data-testid="mw-bar"
            data-dataset="current"
            data-bin={b.key}
            x={single ? left : left + barW}
            y={y(b.current)}
            width={barW}
            height={Math.max(0, baseline - y(b.current))}
            fill={palette.currentFill}
          />,
        );
      }
    });
  } else {
    const stepPath = (pick: (b: Bin) => number | null, closed: boolean): string => {
      let d = '';
      let open = false;
      bins.forEach((b, i) => {
        const v = pick(b);
        const left = x0 + i * band;
        if (v === null) {
          if (open && closed) {
            d += `V${baseline}`;
          }
          open = false;
          return;
        }
        const yy = y(v);
        if (!open) {
          d += closed ? `M${left},${baseline}V${yy}` : `M${left},${yy}`;
          open = true;
        } else {
          d += `V${yy}`;
        }
        d += `H${left + band}`;
      });
      if (open && closed) {
        d += `V${baseline}Z`;
      }
      return d;
    };
    marks.push(
      <path
        key="ref"
        data-testid="mw-step"
        data-dataset="reference"
        d={stepPath((b) => b.reference, true)}
        fill={palette.referenceFill}
        stroke={palette.reference}
        strokeWidth={1}
      />,
      <path
        key="cur"
        data-testid="mw-step"
        data-dataset="current"
        d={stepPath((b) => b.current, false)}
        fill="none"
        stroke={palette.current}
        strokeWidth={detailed ? 2.5 : 2}
        strokeLinejoin="round"
      />,
    );
  }

  // Axis labels
  const labels: React.ReactNode[] = [];
  const textProps = {
    fill: palette.axisText,
    fontSize,
    fontFamily: theme.typography.fontFamily,
  };
  if (kind === 'quantile') {
    // Edge values at bin boundaries, thinned so they never overlap.
    const edges = bins
      .slice(0, -1)
      .map((b, i) => ({ x: x0 + (i + 1) * band, text: formatEdge(b.upper ?? Number.NaN) }));
    const longest = Math.max(1, ...edges.map((e) => e.text.length));
    const every = Math.max(1, Math.ceil(((longest + 2) * charWidth(fontSize)) / band));
    const picked = detailed
      ? edges.filter((_, i) => (i + 1) % every === 0 || (every > 1 && i === 0))
      : edges.length <= 2
        ? edges
        : [edges[0]!, edges[Math.floor((edges.length - 1) / 2)]!, edges[edges.length - 1]!].filter(
            (e, i, all) => i === 0 || e.x - all[i - 1]!.x > (longest + 1) * charWidth(fontSize),
          );
    for (const e of picked) {
      labels.push(
        <text key={`e${e.x}`} x={e.x} y={baseline + fontSize + 2} textAnchor="middle" {...textProps}>
          {e.text}
        </text>,
      );
      if (detailed) {
        labels.push(
          <line key={`t${e.x}`} x1={e.x} x2={e.x} y1={baseline} y2={baseline + 3} stroke={palette.grid} />,
        );
      }
    }
  } else if (bins.length > 0) {
    // Every label when each fits its band (whole, or with at least 3–4 characters before the ellipsis),
    // else every n-th: in the focus view, and on cards for discrete values, whose axis reads like a
    // number line (thinned category names would be a guessing game).
    const maxChars = Math.floor((band - 2) / charWidth(fontSize));
    const longest = Math.max(1, ...bins.map((b) => b.label.length));
    const need = Math.min(longest, detailed ? 3 : 4);
    const showAll = maxChars >= need;
    const every = showAll ? 1 : Math.ceil(((need + 1) * charWidth(fontSize)) / band);
    if (detailed || showAll || kind === 'discrete') {
      bins.forEach((b, i) => {
        if (i % every !== 0) {
          return;
        }
        labels.push(
          <text
            key={`l${b.key}`}
            x={x0 + (i + 0.5) * band}
            y={baseline + fontSize + 2}
            textAnchor="middle"
            {...textProps}
          >
            {truncate(b.label, Math.max(1, Math.floor((band * every - 2) / charWidth(fontSize))))}
          </text>,
        );
      });
    }
  }

  const yTicks = detailed ? shareTicks(yMax) : [];

  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label={`Reference and current distribution of ${feature}`}
      data-testid="mw-dist-chart"
      data-style={chartStyle}
      style={{ display: 'block', overflow: 'visible' }}
    >
      {yTicks.map((t) => (
        <g key={t}>
          <line
            x1={x0}
            x2={x0 + plotW}
            y1={y(t)}
            y2={y(t)}
            stroke={palette.grid}
            strokeDasharray={t === 0 ? '' : '2 3'}
          />
          <text x={x0 - 6} y={y(t) + 3.5} textAnchor="end" {...textProps}>
            {formatPercent(t).replace('.0%', '%')}
          </text>
        </g>
      ))}
      {!detailed && (
        <>
          <line x1={x0} x2={x0 + plotW} y1={baseline} y2={baseline} stroke={palette.grid} />
          <text x={x0 + 1} y={margin.top + fontSize - 1} {...textProps} opacity={0.8}>
            {formatPercent(yMax).replace('.0%', '%')}
          </text>
        </>
      )}
      {hover !== null && (
        <rect x={x0 + hover * band} y={margin.top} width={band} height={plotH} fill={palette.hover} />
      )}
      {marks}
      {labels}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: pointer-only hover target; the values are also in the focus view's table */}
      <rect
        data-testid="mw-hit"
        x={x0}
        y={margin.top}
        width={plotW}
        height={plotH + margin.bottom}
        fill="transparent"
        onMouseMove={onMove}
        onMouseLeave={onLeave}
      />
    </svg>
  );
}
