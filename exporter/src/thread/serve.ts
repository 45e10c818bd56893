/**
 * The thread's side of `ThreadClient`: `init` runs once (an error there is reported as fatal and ends
 * the thread), then every request is handled in order and answered with its result or error.
 */
import { parentPort } from 'node:worker_threads';
import { type ThreadReply, toWire } from './client';

export function serveThread<Request extends { op: string }>(
  init: () => { handle(request: Request): unknown; close?(): void },
): void {
  const port = parentPort;
  if (!port) throw new Error('serveThread must run in a worker thread');
  const reply = (message: ThreadReply) => port.postMessage(message);
  let handler: ReturnType<typeof init>;
  try {
    handler = init();
  } catch (err) {
    reply({ type: 'fatal', error: toWire(err) });
    process.exit(1);
  }
  port.on('message', (request: (Request & { id: number }) | { op: 'close' }) => {
    if (request.op === 'close') {
      handler.close?.();
      port.close();
      return;
    }
    const { id } = request as { id: number };
    try {
      reply({ type: 'result', id, ok: true, value: handler.handle(request as Request) });
    } catch (err) {
      reply({ type: 'result', id, ok: false, error: toWire(err) });
    }
  });
  reply({ type: 'ready' });
}
