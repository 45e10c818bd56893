/** Axis helpers for share (0–1) axes. */

const NICE = [0.01, 0.02, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1];
const TICK_STEPS = [0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25];

/** A round upper bound for a share axis, with a little headroom above the tallest bar. */
export function niceMax(max: number): number {
  const target = max * 1.08;
  return NICE.find((n) => n >= target) ?? Math.max(1, Math.ceil(target * 10) / 10);
}

/** Round share ticks from 0 to max (0, 5, 10, 15 % rather than quarters of the axis). */
export function shareTicks(max: number): number[] {
  const step = TICK_STEPS.find((s) => max / s <= 5) ?? 0.25;
  const ticks: number[] = [];
  for (let k = 0; k * step <= max + 1e-9; k++) {
    ticks.push(Number((k * step).toFixed(4)));
  }
  return ticks;
}
