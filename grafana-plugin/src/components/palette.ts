import { colorManipulator, type GrafanaTheme2 } from '@grafana/data';

import type { Verdict } from '../data/drift';

/** Colours of the panel, all taken from the Grafana theme so light and dark both work. */
export interface Palette {
  reference: string;
  referenceFill: string;
  current: string;
  currentFill: string;
  verdict: Record<Verdict, string>;
  verdictBackground: Record<Verdict, string>;
  grid: string;
  axisText: string;
  hover: string;
  /** Heatmap scale stops by drift intensity (1 = at the threshold). */
  scale: ReadonlyArray<{ at: number; rgba: [number, number, number, number] }>;
  empty: string;
}

function rgba(color: string, alpha: number): [number, number, number, number] {
  const c = colorManipulator.decomposeColor(colorManipulator.asRgbString(color));
  return [c.values[0] ?? 0, c.values[1] ?? 0, c.values[2] ?? 0, alpha];
}

export function getPalette(theme: GrafanaTheme2): Palette {
  const viz = (name: string): string => theme.visualization.getColorByName(name);
  const reference = theme.isDark ? '#9aa3b5' : '#7b8494';
  const current = viz('blue');
  return {
    reference,
    referenceFill: colorManipulator.alpha(reference, theme.isDark ? 0.45 : 0.4),
    current,
    currentFill: colorManipulator.alpha(current, 0.85),
    verdict: {
      drifted: theme.colors.error.text,
      pending: theme.colors.warning.text,
      ok: theme.colors.success.text,
      unknown: theme.colors.text.secondary,
    },
    verdictBackground: {
      drifted: colorManipulator.alpha(theme.colors.error.main, theme.isDark ? 0.14 : 0.08),
      pending: colorManipulator.alpha(theme.colors.warning.main, theme.isDark ? 0.12 : 0.08),
      ok: 'transparent',
      unknown: 'transparent',
    },
    grid: theme.colors.border.weak,
    axisText: theme.colors.text.secondary,
    hover: theme.colors.action.hover,
    scale: [
      { at: 0, rgba: rgba(viz('green'), theme.isDark ? 0.22 : 0.28) },
      { at: 0.6, rgba: rgba(viz('green'), 0.6) },
      { at: 0.95, rgba: rgba(viz('yellow'), 0.9) },
      { at: 1, rgba: rgba(viz('orange'), 1) },
      { at: 2, rgba: rgba(viz('red'), 1) },
      { at: 4, rgba: rgba(viz('dark-red'), 1) },
    ],
    empty: theme.colors.background.secondary,
  };
}

/** Heatmap colour for a drift intensity, interpolated between the palette's stops. */
export function scaleColor(palette: Palette, intensity: number): string {
  const stops = palette.scale;
  if (Number.isNaN(intensity)) {
    return palette.empty;
  }
  let lo = stops[0]!;
  let hi = stops[stops.length - 1]!;
  if (intensity <= lo.at) {
    hi = lo;
  } else if (intensity >= hi.at) {
    lo = hi;
  } else {
    for (let i = 1; i < stops.length; i++) {
      if (intensity <= stops[i]!.at) {
        lo = stops[i - 1]!;
        hi = stops[i]!;
        break;
      }
    }
  }
  const t = hi.at === lo.at ? 0 : (intensity - lo.at) / (hi.at - lo.at);
  const mix = (k: number): number => lo.rgba[k]! + (hi.rgba[k]! - lo.rgba[k]!) * t;
  return `rgba(${Math.round(mix(0))}, ${Math.round(mix(1))}, ${Math.round(mix(2))}, ${mix(3).toFixed(3)})`;
}
