import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';

/**
 * A local stand-in for Royal Mail's Tracking API v2 events operation, answering from the fixtures in
 * test/fixtures/carriers/royal-mail: each `mailPieces` fixture is served for its barcode (summary.oneDBarcode
 * or mailPieceId), anything else gets E1142. Credentials are checked the way the IBM gateway does (401 with
 * `moreInformation`), and X-Accept-RMG-Terms must be "yes".
 */

export const ROYAL_MAIL_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'royal-mail');

export function royalMailFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(ROYAL_MAIL_FIXTURES, name), 'utf8'));
}

export interface FakeRoyalMailRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface FakeRoyalMail {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Every request, answered or refused, in arrival order. */
  requests: FakeRoyalMailRequest[];
  /** The next n requests get `status` (429 with E0010, or a 5xx with E0001), with Retry-After when given. */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /** The next request is answered only after `ms`, for timeout tests. */
  stallNext(ms: number): void;
  close(): Promise<void>;
}

export interface FakeRoyalMailOptions {
  clientId?: string;
  clientSecret?: string;
  /** Events responses to serve besides the fixtures, e.g. a variant a single test needs. */
  extraPieces?: unknown[];
}

export async function startFakeRoyalMail(opts: FakeRoyalMailOptions = {}): Promise<FakeRoyalMail> {
  const clientId = opts.clientId ?? 'fake-royal-mail-client-id';
  const clientSecret = opts.clientSecret ?? 'fake-royal-mail-client-secret';
  const byBarcode = new Map<string, unknown>();
  const fixtures = fs.readdirSync(ROYAL_MAIL_FIXTURES).filter((f) => f.endsWith('.json')).map(royalMailFixture);
  for (const body of [...fixtures, ...(opts.extraPieces ?? [])] as Array<{ mailPieces?: { mailPieceId?: string; summary?: { oneDBarcode?: string } } }>) {
    if (!body.mailPieces) continue;
    for (const id of [body.mailPieces.mailPieceId, body.mailPieces.summary?.oneDBarcode]) if (id) byBarcode.set(id, body);
  }
  const requests: FakeRoyalMailRequest[] = [];
  let faults = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };
  let stallMs = 0;

  const server = http.createServer((req, res) => {
    const urlPath = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: urlPath, headers: req.headers, status });
      const send = () => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const wait = stallMs;
      stallMs = 0;
      if (wait > 0) setTimeout(send, wait).unref();
      else send();
    };

    if (req.headers['x-ibm-client-id'] !== clientId || req.headers['x-ibm-client-secret'] !== clientSecret) {
      return answer(401, royalMailFixture('error-unauthorized.json'));
    }
    if (faults.remaining > 0) {
      faults.remaining -= 1;
      const retry: Record<string, string> = faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
      return answer(faults.status, royalMailFixture(faults.status === 429 ? 'error-too-many-requests.json' : 'error-service-unavailable.json'), retry);
    }
    const events = /^\/mailpieces\/v2\/([^/]+)\/events$/.exec(urlPath);
    if (!events || req.method !== 'GET') return answer(404, { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' });
    if (req.headers['x-accept-rmg-terms'] !== 'yes') {
      return answer(400, { httpCode: '400', httpMessage: 'Bad Request', moreInformation: 'X-Accept-RMG-Terms must be yes' });
    }
    const found = byBarcode.get(decodeURIComponent(events[1]));
    return found ? answer(200, found) : answer(404, royalMailFixture('error-barcode-not-recognised.json'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
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
