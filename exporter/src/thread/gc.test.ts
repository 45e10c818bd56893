import { describe, expect, it } from 'vitest';
import { collectYoungGarbage } from './gc';

describe('collectYoungGarbage', () => {
  it('frees the memory of unreachable young typed arrays, and leaves no `gc` global behind', async () => {
    const hadGc = 'gc' in globalThis;
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 16; i++) new Float64Array(1 << 14).fill(i); // 2 MiB, unreachable at once
    const piled = process.memoryUsage().arrayBuffers - before;
    collectYoungGarbage();
    // The backing stores are released by a sweeper that may run on another thread just after.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const left = process.memoryUsage().arrayBuffers - before;
    expect(piled).toBeGreaterThan(2 ** 20);
    expect(left).toBeLessThan(piled / 4);
    expect('gc' in globalThis).toBe(hadGc);
    collectYoungGarbage(); // the second call reuses the first's function
  });
});
