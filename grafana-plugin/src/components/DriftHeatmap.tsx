import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2, type TimeZone } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React, { useLayoutEffect, useMemo, useRef, useState } from 'react';

import type { DriftModel } from '../data/drift';
import { comparison, formatScore, methodName, VERDICT_TEXT } from '../data/format';
import { buildTimeline, columnStart, type Timeline } from '../data/timeline';
import { type Palette, scaleColor } from './palette';
import type { TooltipState } from './Tooltip';

export interface DriftHeatmapProps {
  model: DriftModel;
  from: number;
  to: number;
  width: number;
  height: number;
  timeZone: TimeZone;
  palette: Palette;
  onSelect: (feature: string) => void;
  onTooltip: (state: TooltipState | null) => void;
}

const LEGEND_H = 24;
const AXIS_H = 22;
const GAP = 8;
const LUT_SIZE = 256;
const LUT_MAX = 4;
const NEUTRAL = [128, 128, 128, 90];

const TICK_STEPS = [
  1_000,
  5_000,
  15_000,
  30_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  2 * 86_400_000,
  7 * 86_400_000,
  30 * 86_400_000,
];

/** Offset of the dashboard time zone from UTC in ms at `t` (from Grafana's formatter). */
function zoneOffset(t: number, timeZone: TimeZone): number {
  const z = dateTimeFormat(t, { timeZone, format: 'Z' });
  const m = /^([+-])(\d\d):(\d\d)$/.exec(z);
  if (!m) {
    return 0;
  }
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return (m[1] === '-' ? -1 : 1) * minutes * 60_000;
}

/** Time axis ticks at round local times, at least ~100px apart. */
export function timeTicks(
  from: number,
  to: number,
  width: number,
  timeZone: TimeZone,
): Array<{ t: number; label: string }> {
  const span = to - from;
  const wanted = Math.max(2, Math.floor(width / 100));
  const step = TICK_STEPS.find((s) => span / s <= wanted) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  const offset = zoneOffset(from, timeZone);
  const format =
    step >= 86_400_000 ? 'MMM D' : span > 86_400_000 ? 'MMM D HH:mm' : step < 60_000 ? 'HH:mm:ss' : 'HH:mm';
  const ticks: Array<{ t: number; label: string }> = [];
  for (let t = Math.ceil((from + offset) / step) * step - offset; t <= to; t += step) {
    ticks.push({ t, label: dateTimeFormat(t, { timeZone, format }) });
  }
  return ticks;
}

interface Lut {
  css: string[];
  rgba: Uint8ClampedArray;
}

function colorLut(palette: Palette): Lut {
  const css = Array.from({ length: LUT_SIZE }, (_, i) => scaleColor(palette, (i / (LUT_SIZE - 1)) * LUT_MAX));
  const rgba = new Uint8ClampedArray(LUT_SIZE * 4);
  css.forEach((c, i) => {
    const m = /rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/.exec(c);
    rgba.set(
      [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0), Number(m?.[3] ?? 0), Math.round(Number(m?.[4] ?? 1) * 255)],
      i * 4,
    );
  });
  return { css, rgba };
}

/**
 * Draw the cells: one pixel per cell in an offscreen image, scaled up without smoothing — a single
 * drawImage instead of tens of thousands of fillRect calls for 50 features × 1,000 steps.
 */
function drawHeatmap(
  canvas: HTMLCanvasElement,
  timeline: Timeline,
  plotW: number,
  rowH: number,
  palette: Palette,
  lut: Lut,
): void {
  const dpr = window.devicePixelRatio || 1;
  const rows = timeline.rows.length;
  const cols = timeline.columns;
  const h = rows * rowH;
  canvas.width = Math.round(plotW * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${plotW}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx || rows === 0) {
    return;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, plotW, h);
  // background for missing samples
  ctx.fillStyle = palette.empty;
  ctx.fillRect(0, 0, plotW, h);

  const cells = new ImageData(cols, rows);
  const px = cells.data;
  timeline.rows.forEach((row, r) => {
    for (let c = 0; c < cols; c++) {
      const v = row.intensity[c]!;
      const o = (r * cols + c) * 4;
      if (Number.isNaN(v)) {
        if (!Number.isNaN(row.scores[c]!)) {
          px.set(NEUTRAL, o); // a score without a threshold
        }
        continue;
      }
      const idx = Math.min(LUT_SIZE - 1, Math.max(0, Math.round((v / LUT_MAX) * (LUT_SIZE - 1)))) * 4;
      px[o] = lut.rgba[idx]!;
      px[o + 1] = lut.rgba[idx + 1]!;
      px[o + 2] = lut.rgba[idx + 2]!;
      px[o + 3] = lut.rgba[idx + 3]!;
    }
  });
  const off = document.createElement('canvas');
  off.width = cols;
  off.height = rows;
  off.getContext('2d')?.putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, cols, rows, 0, 0, plotW, h);
  // thin gaps between rows
  if (rowH >= 10) {
    for (let r = 1; r <= rows; r++) {
      ctx.clearRect(0, r * rowH - 1, plotW, 1);
    }
  }
}

/**
 * Drift over time: one row per feature (same order as the grid), one column per query step (or per
 * pixel), coloured by the score relative to the feature's threshold, so p-value tests and distances
 * share one scale: green within, yellow near, orange to red past the threshold.
 */
export function DriftHeatmap(props: DriftHeatmapProps): React.JSX.Element {
  const { model, from, to, width, height, timeZone, palette, onSelect, onTooltip } = props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<{ r: number; c: number } | null>(null);

  const longest = Math.max(4, ...model.features.map((f) => f.name.length));
  const labelW = Math.round(Math.min(Math.max(longest * 6.6 + 26, 90), width * 0.35));
  const plotW = Math.max(40, width - labelW - GAP);
  const availH = Math.max(40, height - LEGEND_H - AXIS_H);
  const n = Math.max(1, model.features.length);
  const rowH = Math.max(12, Math.min(34, Math.floor(availH / n)));
  const bodyH = Math.min(availH, n * rowH);

  const timeline = useMemo(
    () => buildTimeline(model, { from, to, maxColumns: Math.max(1, Math.floor(plotW)) }),
    [model, from, to, plotW],
  );
  const lut = useMemo(() => colorLut(palette), [palette]);
  const ticks = useMemo(
    () => timeTicks(timeline.from, timeline.to, plotW, timeZone),
    [timeline, plotW, timeZone],
  );

  useLayoutEffect(() => {
    if (canvasRef.current) {
      drawHeatmap(canvasRef.current, timeline, plotW, rowH, palette, lut);
    }
  }, [timeline, plotW, rowH, palette, lut]);

  const cellAt = (e: React.MouseEvent<HTMLCanvasElement>): { r: number; c: number } | null => {
    const rect = e.currentTarget.getBoundingClientRect();
    const c = Math.floor(((e.clientX - rect.left) / rect.width) * timeline.columns);
    const r = Math.floor((e.clientY - rect.top) / rowH);
    if (r < 0 || r >= timeline.rows.length || c < 0 || c >= timeline.columns) {
      return null;
    }
    return { r, c };
  };

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const cell = cellAt(e);
    setHover(cell);
    if (!cell) {
      onTooltip(null);
      return;
    }
    const row = timeline.rows[cell.r]!;
    const score = row.scores[cell.c]!;
    const start = columnStart(timeline, cell.c);
    const end = columnStart(timeline, cell.c + 1);
    // seconds when a column is shorter than a minute (short ranges, e.g. the demo's first minutes)
    const hm = end - start < 60_000 ? 'HH:mm:ss' : 'HH:mm';
    const fmt = (t: number) => dateTimeFormat(t, { timeZone, format: `YYYY-MM-DD ${hm}` });
    const hasScore = !Number.isNaN(score);
    const exceeded = hasScore && row.threshold !== undefined && row.intensity[cell.c]! >= 1;
    const isP = row.direction === 'lower';
    onTooltip({
      x: e.clientX,
      y: e.clientY,
      content: {
        title: row.feature,
        subtitle: `${fmt(start)} – ${dateTimeFormat(end, { timeZone, format: hm })}`,
        rows: hasScore
          ? [
              {
                label: `${methodName(row.method)} ${isP ? 'p-value' : 'score'}`,
                value: formatScore(score),
                emphasis: true,
                color: scaleColor(palette, row.intensity[cell.c]!),
              },
              {
                label: 'Threshold',
                value:
                  row.threshold === undefined
                    ? '—'
                    : `${isP ? 'p' : 'score'} ${comparison({ direction: row.direction, exceeded })} ${formatScore(row.threshold)}`,
              },
              { label: 'Status', value: exceeded ? 'past threshold' : 'within threshold' },
            ]
          : [{ label: 'Score', value: 'no sample' }],
        footer: `Now: ${VERDICT_TEXT[row.verdict]} · click to open the feature`,
      },
    });
  };

  const colW = plotW / timeline.columns;
  const instant = timeline.maxSamples <= 1;

  return (
    <div className={styles.wrap} data-testid="mw-heatmap">
      <div className={styles.legend} style={{ height: LEGEND_H, paddingLeft: labelW + GAP }}>
        <span>within threshold</span>
        <span
          className={styles.ramp}
          style={{
            background: `linear-gradient(to right, ${[0, 0.3, 0.6, 0.8, 0.95, 1, 1.5, 2, 3, 4]
              .map((v) => `${scaleColor(palette, v)} ${(v / 4) * 100}%`)
              .join(', ')})`,
          }}
        />
        <span>past threshold</span>
        {instant && (
          <span className={styles.warn}>
            Query B is an instant query — set it to Range to see drift over time.
          </span>
        )}
      </div>
      <div className={styles.body} style={{ height: bodyH }}>
        <div className={styles.labels} style={{ width: labelW, height: n * rowH }}>
          {timeline.rows.map((row, r) => (
            <button
              type="button"
              key={row.feature}
              className={styles.label}
              style={{
                height: rowH,
                lineHeight: `${rowH}px`,
                fontSize: rowH < 16 ? 11 : theme.typography.bodySmall.fontSize,
                background: hover?.r === r ? palette.hover : undefined,
              }}
              title={`${row.feature}: ${VERDICT_TEXT[row.verdict]}`}
              onClick={() => onSelect(row.feature)}
              data-testid="mw-heatmap-row"
              data-feature={row.feature}
              data-verdict={row.verdict}
            >
              <span className={styles.dot} style={{ background: palette.verdict[row.verdict] }} />
              <span className={styles.labelText}>{row.feature}</span>
            </button>
          ))}
        </div>
        <div className={styles.plot} style={{ width: plotW, height: n * rowH }}>
          <canvas
            ref={canvasRef}
            data-testid="mw-heatmap-canvas"
            data-columns={timeline.columns}
            data-rows={timeline.rows.length}
            onMouseMove={onMove}
            onMouseLeave={() => {
              setHover(null);
              onTooltip(null);
            }}
            onClick={(e) => {
              const cell = cellAt(e);
              if (cell) {
                onSelect(timeline.rows[cell.r]!.feature);
              }
            }}
            className={styles.canvas}
          />
          {hover && (
            <div
              className={styles.cursor}
              style={{
                left: hover.c * colW - 1,
                top: hover.r * rowH - 1,
                width: Math.max(3, colW) + 2,
                height: rowH + 1,
              }}
            />
          )}
        </div>
      </div>
      <svg width={width} height={AXIS_H} className={styles.axis} data-testid="mw-heatmap-axis">
        <title>Time</title>
        {ticks.map(({ t, label }) => {
          const x = labelW + GAP + ((t - timeline.from) / (timeline.to - timeline.from)) * plotW;
          const half = label.length * 3.3;
          const anchor = x + half > width ? 'end' : x - half < labelW - 8 ? 'start' : 'middle';
          return (
            <g key={t}>
              <line x1={x} x2={x} y1={0} y2={4} stroke={palette.axisText} />
              <text
                x={anchor === 'end' ? Math.min(x, width) : x}
                y={15}
                textAnchor={anchor}
                fill={palette.axisText}
                fontSize={11}
                fontFamily={theme.typography.fontFamily}
              >
                {label}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    display: 'flex',
    flexDirection: 'column',
  }),
  legend: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontSize: 11,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
  ramp: css({
    display: 'inline-block',
    width: 140,
    height: 10,
    borderRadius: 2,
  }),
  warn: css({
    color: theme.colors.warning.text,
    marginLeft: theme.spacing(2),
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  body: css({
    display: 'flex',
    gap: GAP,
    overflowY: 'auto',
    overflowX: 'hidden',
  }),
  labels: css({
    flex: '0 0 auto',
    display: 'flex',
    flexDirection: 'column',
  }),
  label: css({
    all: 'unset',
    display: 'flex',
    alignItems: 'center',
    gap: 6,
    cursor: 'pointer',
    color: theme.colors.text.primary,
    paddingRight: 4,
    borderRadius: 2,
    '&:hover span:last-child': { textDecoration: 'underline' },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}` },
  }),
  labelText: css({
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  dot: css({
    flex: '0 0 auto',
    width: 7,
    height: 7,
    borderRadius: '50%',
  }),
  plot: css({
    position: 'relative',
    flex: '0 0 auto',
  }),
  canvas: css({
    display: 'block',
    cursor: 'pointer',
  }),
  cursor: css({
    position: 'absolute',
    pointerEvents: 'none',
    border: `1px solid ${theme.colors.text.primary}`,
    borderRadius: 1,
  }),
  axis: css({
    display: 'block',
    flex: '0 0 auto',
  }),
});
