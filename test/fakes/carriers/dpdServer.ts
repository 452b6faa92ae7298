import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';

/**
 * A local stand-in for DPD UK's tracking endpoints as public open-source trackers use them (DPD publishes no
 * spec): `/v1/track?parcel=&postcode=` redirects (302) to the parcel's page on track.dpd.co.uk, whose last path
 * segment is the parcel code, and `/v1/parcels/{parcelCode}/parcelevents` answers `{ data: [...] }` from the
 * fixtures in test/fixtures/carriers/dpd (parcels.json says which parcel gets which events).
 *
 * DPD's public endpoints take no credentials; `requiredHeaders` emulates a gateway in front of them that does.
 * A postcode, when sent, must match the parcel's, as DPD's own site insists.
 */

export const DPD_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'dpd');

export function dpdFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(DPD_FIXTURES, name), 'utf8'));
}

export interface DpdFixtureParcel {
  parcelNumber: string;
  postcode: string;
  parcelCode: string;
  events: string;
}

export function dpdFixtureParcels(): DpdFixtureParcel[] {
  return (dpdFixture('parcels.json') as { parcels: DpdFixtureParcel[] }).parcels;
}

export interface FakeDpdRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface FakeDpd {
  url: string;
  requests: FakeDpdRequest[];
  /** The next n requests get `status` (429, 503...), with Retry-After when given. */
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  /** The next request is answered only after `ms`, for timeout tests. */
  stallNext(ms: number): void;
  close(): Promise<void>;
}

const normalisePostcode = (pc: string): string => pc.replace(/\s+/g, '').toUpperCase();

export async function startFakeDpd(opts: { requiredHeaders?: Record<string, string> } = {}): Promise<FakeDpd> {
  const parcels = dpdFixtureParcels();
  const requests: FakeDpdRequest[] = [];
  let faults = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };
  let stallMs = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-dpd.local');
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, status });
      const send = () => {
        res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const wait = stallMs;
      stallMs = 0;
      if (wait > 0) setTimeout(send, wait).unref();
      else send();
    };

    for (const [name, value] of Object.entries(opts.requiredHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) return answer(401, dpdFixture('error-unauthorized.json'));
    }
    if (faults.remaining > 0) {
      faults.remaining -= 1;
      const retry: Record<string, string> = faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
      return answer(faults.status, dpdFixture(faults.status === 429 ? 'error-too-many-requests.json' : 'error-service-unavailable.json'), retry);
    }
    if (req.method !== 'GET') return answer(404, dpdFixture('error-not-found.json'));

    if (url.pathname === '/v1/track') {
      const number = (url.searchParams.get('parcel') ?? '').replace(/\s+/g, '');
      const postcode = url.searchParams.get('postcode');
      const parcel = parcels.find((p) => p.parcelNumber === number && (!postcode || normalisePostcode(postcode) === normalisePostcode(p.postcode)));
      if (!parcel) return answer(404, dpdFixture('error-not-found.json'));
      return answer(302, undefined, { location: `https://track.dpd.co.uk/parcels/${encodeURIComponent(parcel.parcelCode)}` });
    }
    const events = /^\/v1\/parcels\/([^/]+)\/parcelevents$/.exec(url.pathname);
    const parcel = events ? parcels.find((p) => p.parcelCode === decodeURIComponent(events[1])) : undefined;
    return parcel ? answer(200, dpdFixture(parcel.events)) : answer(404, dpdFixture('error-not-found.json'));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
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
