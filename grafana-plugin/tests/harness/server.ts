/** Static server for the harness, bound to 127.0.0.1 on a free port. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export interface HarnessServer {
  url: string;
  close: () => Promise<void>;
}

/** The directory of an installed package, looking in node_modules from `from` upwards (workspaces hoist). */
function findPackage(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      return candidate;
    }
    if (dirname(dir) === dir) {
      throw new Error(`${name} is not installed (looked upwards from ${from})`);
    }
  }
}

export async function startHarnessServer(pluginDir: string, harnessOut: string): Promise<HarnessServer> {
  const uiPublic = join(findPackage(pluginDir, '@grafana/ui'), 'dist', 'public');
  const routes: Array<[prefix: string, dir: string]> = [
    ['/dist/', join(pluginDir, 'dist')],
    ['/public/build/img/', join(uiPublic, 'img')],
    ['/public/img/', join(uiPublic, 'img')],
    ['/', harnessOut],
  ];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    let file: string | undefined;
    if (path === '/' || path === '/index.html') {
      file = join(pluginDir, 'tests', 'harness', 'index.html');
    } else {
      for (const [prefix, dir] of routes) {
        if (path.startsWith(prefix)) {
          const candidate = normalize(join(dir, path.slice(prefix.length)));
          if (candidate.startsWith(dir) && existsSync(candidate) && statSync(candidate).isFile()) {
            file = candidate;
          }
          break;
        }
      }
    }
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
