import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';

/**
 * A local stand-in for DHL Shipment Tracking - Unified (`GET /track/shipments?trackingNumber=`), answering from
 * the fixtures in test/fixtures/carriers/dhl: each `shipments` fixture is served for its shipment id, anything
 * else gets DHL's 404 problem document. The DHL-API-Key header is checked; errors are application/problem+json.
 */

export const DHL_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'dhl');

export function dhlFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(DHL_FIXTURES, name), 'utf8'));
}

export interface FakeDhlRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface FakeDhl {
  url: string;
  apiKey: string;
  requests: FakeDhlRequest[];
  /** The next n requests get `status` (429, 503...), with Retry-After when given. */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /** The next request is answered only after `ms`, for timeout tests. */
  stallNext(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeDhl(opts: { apiKey?: string } = {}): Promise<FakeDhl> {
  const apiKey = opts.apiKey ?? 'fake-dhl-api-key';
  const byId = new Map<string, unknown>();
  for (const file of fs.readdirSync(DHL_FIXTURES).filter((f) => f.endsWith('.json'))) {
    const body = dhlFixture(file) as { shipments?: Array<{ id: string | number }> };
    for (const s of body.shipments ?? []) byId.set(String(s.id), body);
  }
  const requests: FakeDhlRequest[] = [];
  let faults = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };
  let stallMs = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-dhl.local');
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, status });
      const send = () => {
        res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers });
        res.end(JSON.stringify(body));
      };
      const wait = stallMs;
      stallMs = 0;
      if (wait > 0) setTimeout(send, wait).unref();
      else send();
    };

    if (req.headers['dhl-api-key'] !== apiKey) return answer(401, dhlFixture('error-unauthorized.json'));
    if (faults.remaining > 0) {
      faults.remaining -= 1;
      const retry: Record<string, string> = faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
      return answer(faults.status, dhlFixture(faults.status === 429 ? 'error-too-many-requests.json' : 'error-service-unavailable.json'), retry);
    }
    if (url.pathname !== '/track/shipments' || req.method !== 'GET') {
      return answer(404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Resource not found' });
    }
    const number = url.searchParams.get('trackingNumber');
    if (!number) return answer(400, { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'trackingNumber is required' });
    const found = byId.get(number);
    return found ? answer(200, found) : answer(404, dhlFixture('error-not-found.json'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    failNext(n, status, retryAfterSeconds) {
      faults = { remaining: n, status, retryAfterSeconds };
    },
    stallNext(ms) {
      stallMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // fetch keeps connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
