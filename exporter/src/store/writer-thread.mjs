// Entry of the log writer thread (see log-writer.ts): load the TypeScript sources through tsx's loader in
// this thread, whoever started it (the CLI, vitest, a bench script), then run the writer loop.
import { register } from 'tsx/esm/api';

register();
await import('./writer-thread.ts');
