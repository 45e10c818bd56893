/**
 * Against DNS rebinding: a web page whose name an attacker points at 127.0.0.1 could otherwise read
 * /metrics and the API of an exporter bound to loopback (the browser sends its own name as Host). When
 * the exporter listens on a loopback address, a request must name the exporter by an IP address,
 * `localhost`, or one of `listen.allowed_hosts`; anything else gets 421. Bound elsewhere (a container,
 * 0.0.0.0) clients use service names, and the check is off unless `listen.allowed_hosts` is set.
 */
import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host name of a Host header, lower case, without port or IPv6 brackets. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export function hostCheck(listenHost: string, allowed: readonly string[]): RequestHandler | null {
  if (!isLoopback(listenHost) && allowed.length === 0) return null;
  const names = new Set(['localhost', ...allowed.map((a) => a.toLowerCase())]);
  return (req: Request, res: Response, next: NextFunction) => {
    const name = hostName(req.get('host') ?? '');
    if (names.has(name) || isIP(name) !== 0) {
      next();
      return;
    }
    res.status(421).json({
      error: `requests must name this exporter by IP address, localhost or listen.allowed_hosts (got Host "${name.slice(0, 64)}")`,
      index: null,
      field: 'host',
    });
  };
}
