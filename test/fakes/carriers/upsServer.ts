import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';

/**
 * A local stand-in for UPS's Tracking API and OAuth client-credentials endpoint, answering in UPS's wire format
 * from the fixtures in test/fixtures/carriers/ups (one file per parcel journey, found by its inquiry number):
 *
 *   POST /security/v1/oauth/token           Basic <client_id:client_secret>, form grant_type=client_credentials,
 *                                            optional x-merchant-id → token.json (expires_in as a string, as UPS sends it)
 *   GET  /api/track/v1/details/{number}     Bearer <token>, headers transId and transactionSrc (both required)
 *                                            → 200 the journey; 404 not-found.json (151044) for an unknown number
 *
 * Errors use errors.json. Fault injection: `failNext` answers the next tracking calls with 429 (+ Retry-After)
 * or 5xx; `expireTokens` makes every issued token unknown.
 */

export const UPS_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'ups');

export interface FakeUpsRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  form?: Record<string, string>;
  status: number;
}

export interface FakeUps {
  /** UPS_API_URL for the adapter (ends in /api, like UPS's own). */
  url: string;
  /** UPS_TOKEN_URL for the adapter. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  tokensIssued: number;
  requests: FakeUpsRequest[];
  /** The inquiry numbers the fixtures know, by fixture name. */
  fixtures: Readonly<Record<string, string>>;
  failNext(n: number, status?: number, retryAfterSeconds?: number): void;
  expireTokens(): void;
  close(): Promise<void>;
}

export interface FakeUpsOptions {
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function readUpsFixture(name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(UPS_FIXTURES, `${name}.json`), 'utf8')) as Json;
}

function fill(value: Json, vars: Record<string, string>): Json {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}

const SPECIAL = new Set(['token', 'errors', 'not-found']);

function journeys(): Map<string, { name: string; body: Json }> {
  const byNumber = new Map<string, { name: string; body: Json }>();
  for (const file of fs.readdirSync(UPS_FIXTURES).filter((f) => f.endsWith('.json'))) {
    const name = file.replace(/\.json$/, '');
    if (SPECIAL.has(name)) continue;
    const body = readUpsFixture(name) as { trackResponse: { shipment: Array<{ inquiryNumber: string }> } };
    byNumber.set(body.trackResponse.shipment[0].inquiryNumber, { name, body: body as Json });
  }
  return byNumber;
}

export async function startFakeUps(opts: FakeUpsOptions = {}): Promise<FakeUps> {
  const clientId = opts.clientId ?? randomBytes(24).toString('base64url');
  const clientSecret = opts.clientSecret ?? randomBytes(32).toString('base64url');
  const lifetime = opts.tokenLifetimeSeconds ?? 14_399;
  const known = journeys();
  const errors = readUpsFixture('errors') as Record<string, Json>;
  const tokens = new Map<string, number>();
  const requests: FakeUpsRequest[] = [];
  let faults = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };

  const fake: FakeUps = {
    url: '',
    tokenUrl: '',
    clientId,
    clientSecret,
    tokensIssued: 0,
    requests,
    fixtures: Object.fromEntries([...known].map(([tn, { name }]) => [name, tn])),
    failNext(n, status = 503, retryAfterSeconds) {
      faults = { remaining: n, status, retryAfterSeconds };
    },
    expireTokens() {
      tokens.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-ups');
      const query = Object.fromEntries(url.searchParams);
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const form = isForm ? Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) : undefined;
      const answer = (status: number, payload: Json, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, form, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, name: string, headers?: Record<string, string>) => answer(status, errors[name], headers);

      if (req.method === 'POST' && url.pathname === '/security/v1/oauth/token') {
        const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
        if (id !== clientId || secret !== clientSecret) return error(401, 'badCredentials');
        if (form?.grant_type !== 'client_credentials') return error(400, 'badCredentials');
        const token = randomBytes(32).toString('base64url');
        tokens.set(token, Date.now() + lifetime * 1000);
        fake.tokensIssued += 1;
        const issued = fill(readUpsFixture('token'), { accessToken: token, clientId, issuedAt: String(Date.now()) }) as Record<string, Json>;
        return answer(200, { ...issued, expires_in: String(lifetime) });
      }

      const details = /^\/api\/track\/v1\/details\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && details) {
        if (faults.remaining > 0) {
          faults.remaining -= 1;
          const retry: Record<string, string> = faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
          return error(faults.status, faults.status === 429 ? 'tooManyRequests' : 'serviceUnavailable', retry);
        }
        const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const expiresAt = bearer === undefined ? undefined : tokens.get(bearer);
        if (expiresAt === undefined || expiresAt <= Date.now()) return error(401, 'invalidToken');
        if (!req.headers.transid || !req.headers.transactionsrc) return error(400, 'missingHeader');
        const journey = known.get(decodeURIComponent(details[1]));
        return journey ? answer(200, journey.body) : answer(404, readUpsFixture('not-found'));
      }

      return answer(404, { response: { errors: [{ code: '10404', message: `No route for ${req.method} ${url.pathname}` }] } });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = `${root}/api`;
  fake.tokenUrl = `${root}/security/v1/oauth/token`;
  return fake;
}
