import { describe, expect, it } from 'vitest';

import { niceMax, shareTicks } from './scale';

describe('share axis', () => {
  it('rounds the maximum up with headroom', () => {
    expect(niceMax(0.302)).toBe(0.4);
    expect(niceMax(0.1)).toBe(0.15);
    expect(niceMax(0.009)).toBe(0.01);
    expect(niceMax(0.97)).toBe(1.1);
  });
  it('puts ticks on round percentages', () => {
    expect(shareTicks(0.15)).toEqual([0, 0.05, 0.1, 0.15]);
    expect(shareTicks(0.4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(shareTicks(0.025)).toEqual([0, 0.005, 0.01, 0.015, 0.02, 0.025]);
    expect(shareTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
