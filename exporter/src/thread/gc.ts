/**
 * A young-generation garbage collection on demand, for garbage whose size V8 cannot see and which
 * therefore piles up between its own collections: DuckDB's result chunks while a file streams in
 * (reference/read.ts, docs/benchmarks.md). A scavenge takes well under a millisecond when the young
 * generation holds little.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let youngGc: (() => void) | null = null;

/**
 * Runs a scavenge in this thread. V8's `gc` is exposed for the moment it takes to fetch it, in a
 * context of its own, and hidden again (`--expose-gc` applies to contexts created after it is set).
 */
export function collectYoungGarbage(): void {
  if (youngGc === null) {
    type Gc = (options: { type: 'minor' }) => void;
    let gc = (globalThis as { gc?: Gc }).gc; // node --expose-gc
    if (gc === undefined) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
      setFlagsFromString('--no-expose-gc');
    }
    const run = gc;
    youngGc = () => run({ type: 'minor' });
  }
  youngGc();
}
