/** ProgressLine: nothing before the delay, then one line per step without a terminal, even while work holds the thread. */
import { describe, expect, it } from 'vitest';
import { ProgressLine } from './progress';

function fakeStream(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = {
    isTTY: false,
    write: (text: string) => written.push(text) > 0,
  } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('ProgressLine', () => {
  it('shows a step once the delay has passed, even when the thread never went back to its event loop', () => {
    const { stream, written } = fakeStream();
    const line = new ProgressLine(stream, 20);
    line.update('reading a.csv: 10%');
    expect(written).toEqual([]);
    const until = performance.now() + 30;
    while (performance.now() < until); // a synchronous parse holding the thread past the delay
    line.update('reading a.csv: 60%');
    line.update('reading a.csv: 90%'); // the same step: not printed again without a terminal
    line.update('comparing: 1/20 features');
    line.done('compared');
    expect(written).toEqual([
      'reading a.csv: 60%\n',
      'comparing: 1/20 features\n',
      expect.stringMatching(/^compared in \d+\.\d s\n$/),
    ]);
  });

  it('prints nothing for a run shorter than the delay', () => {
    const { stream, written } = fakeStream();
    const line = new ProgressLine(stream, 10_000);
    line.update('reading a.csv: 10%');
    line.done('compared');
    expect(written).toEqual([]);
  });
});
