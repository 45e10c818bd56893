import { describe, expect, it } from 'vitest';
import { Turns } from './accept';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A batch's parsing and validation as the predictions route runs it: chunks with pauses between. */
async function chunks(log: string[], name: string, n: number): Promise<string> {
  for (let i = 0; i < n; i++) {
    log.push(`${name}${i}`);
    await nextTurn();
  }
  return name;
}

describe('Turns', () => {
  it('runs batches one after another in arrival order; the event loop is served between chunks', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const scrape = new Promise<void>((resolve) =>
      setImmediate(() => {
        log.push('scrape');
        resolve();
      }),
    );
    const done = await Promise.all([
      turns.run(() => chunks(log, 'a', 3)),
      turns.run(() => chunks(log, 'b', 3)),
      scrape,
      turns.run(() => chunks(log, 'c', 1)),
    ]);
    expect(done).toEqual(['a', 'b', undefined, 'c']);
    // the scrape is answered while `a` is part-way, not after every batch; `b` starts when `a` is done
    expect(log).toEqual(['a0', 'scrape', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0']);
  });

  it('ends a turn that throws: the error reaches its caller and the next batch runs', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const failed = turns.run(async () => {
      await chunks(log, 'a', 2);
      throw new Error('invalid item');
    });
    const next = turns.run(() => chunks(log, 'b', 1));
    await expect(failed).rejects.toThrow('invalid item');
    await expect(next).resolves.toBe('b');
    expect(log).toEqual(['a0', 'a1', 'b0']);
  });
});
