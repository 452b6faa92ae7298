import type http from 'node:http';
import { FaultPlan, Stall, listenLocally, readJsonFixture } from '../localServer';

/**
 * The skeleton the tracking-only carriers' fakes (Royal Mail, DPD, DHL) share: credentials checked first (401
 * with the carrier's own body), then any planned fault (429 or 5xx, bodies from the carrier's fixtures), then the
 * carrier's route; every request recorded with the status it got; answers held back on `stallNext`.
 * Each carrier's fixture folder has error-unauthorized.json, error-too-many-requests.json and
 * error-service-unavailable.json in its own wire format.
 */

export interface FakeTrackingRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface FakeTrackingServer {
  url: string;
  /** Every request, answered or refused, in arrival order. */
  requests: FakeTrackingRequest[];
  /** The next n requests get `status` (429, 503...), with Retry-After when given. */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /** The next request is answered only after `ms`, for timeout tests. */
  stallNext(ms: number): void;
  close(): Promise<void>;
}

export interface TrackingAnswer {
  status: number;
  /** JSON; undefined sends no body (a redirect). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TrackingFakeOptions {
  fixtures: string;
  authorised(headers: http.IncomingHttpHeaders): boolean;
  route(req: { method: string; url: URL; headers: http.IncomingHttpHeaders }): TrackingAnswer;
  /** Content type of JSON answers by status; DHL, for one, sends its errors as application/problem+json. */
  contentType?: (status: number) => string;
}

export async function startTrackingFake({ fixtures, authorised, route, contentType = () => 'application/json' }: TrackingFakeOptions): Promise<FakeTrackingServer> {
  const requests: FakeTrackingRequest[] = [];
  const faults = new FaultPlan();
  const stall = new Stall();

  const answerFor = (req: http.IncomingMessage, url: URL): TrackingAnswer => {
    if (!authorised(req.headers)) return { status: 401, body: readJsonFixture(fixtures, 'error-unauthorized.json') };
    const fault = faults.take();
    if (fault) {
      const body = readJsonFixture(fixtures, fault.status === 429 ? 'error-too-many-requests.json' : 'error-service-unavailable.json');
      return { status: fault.status, body, headers: fault.headers };
    }
    return route({ method: req.method ?? '', url, headers: req.headers });
  };

  const server = await listenLocally((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-carrier.local');
    const { status, body, headers = {} } = answerFor(req, url);
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, status });
    stall.send(() => {
      res.writeHead(status, body === undefined ? headers : { 'content-type': contentType(status), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    });
  });

  return {
    url: server.url,
    requests,
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    stallNext: (ms) => stall.next(ms),
    close: server.close,
  };
}
