/**
 * The load generator's HTTP client for NDJSON ingest: node:http with a keep-alive agent, one write of a
 * pre-encoded body with its content-length. The generator shares the machine's two cores with the
 * exporter it measures, so its own cost matters: `fetch` (undici) spent ~4.5 µs of CPU per prediction
 * on these 1,000-row bodies, this client ~1 µs (`bench/parts/ingest.ts`, measured with /proc CPU times).
 */
import { Agent, request } from 'node:http';

export class IngestClient {
  private readonly agent: Agent;
  private readonly target: URL;

  constructor(baseUrl: string, connections: number) {
    this.target = new URL('/api/v1/predictions', baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** POSTs one NDJSON body; resolves once it is accepted (202), rejects with the answer otherwise. */
  post(body: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.target,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/x-ndjson', 'content-length': body.byteLength },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 202) resolve();
            else reject(new Error(`ingest answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
