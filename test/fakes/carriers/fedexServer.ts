import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';

/**
 * A local stand-in for FedEx's Track API and OAuth endpoint, answering in FedEx's wire format from the fixtures in
 * test/fixtures/carriers/fedex (one file per parcel journey, found by the tracking number inside it):
 *
 *   POST /oauth/token                 form grant_type=client_credentials, client_id, client_secret
 *                                     → token.json with a fresh access_token and expires_in
 *   POST /track/v1/trackingnumbers    Bearer <token>; { includeDetailedScans, trackingInfo: [{ trackingNumberInfo }] }
 *                                     → 200 with one completeTrackResults entry per number; an unknown number
 *                                       gets not-found.json (FedEx reports it inside a 200, not as a 404)
 *
 * Errors use errors.json. Fault injection: `failNext` answers the next tracking calls with 429 (+ Retry-After)
 * or 5xx; `expireTokens` makes every issued token unknown, as FedEx does when one expires or is revoked;
 * `acceptTokens = false` refuses every token.
 */

export const FEDEX_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'fedex');

export interface FakeFedExRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** JSON body, or the form's fields for the token endpoint. */
  body: unknown;
  status: number;
}

export interface FakeFedEx {
  url: string;
  clientId: string;
  clientSecret: string;
  /** Tokens handed out so far. */
  tokensIssued: number;
  requests: FakeFedExRequest[];
  /** The tracking numbers the fixtures know, by fixture name. */
  fixtures: Readonly<Record<string, string>>;
  failNext(n: number, status?: number, retryAfterSeconds?: number): void;
  expireTokens(): void;
  /** While false, the API refuses every token, even one just issued (as after FedEx revokes the project). */
  acceptTokens: boolean;
  close(): Promise<void>;
}

export interface FakeFedExOptions {
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function readFedExFixture(name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(FEDEX_FIXTURES, `${name}.json`), 'utf8')) as Json;
}

/** Replaces `{{name}}` placeholders in every string of a fixture. */
function fill(value: Json, vars: Record<string, string>): Json {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  return value;
}

const SPECIAL = new Set(['token', 'errors', 'not-found']);

function journeys(): Map<string, { name: string; result: Json }> {
  const byNumber = new Map<string, { name: string; result: Json }>();
  for (const file of fs.readdirSync(FEDEX_FIXTURES).filter((f) => f.endsWith('.json'))) {
    const name = file.replace(/\.json$/, '');
    if (SPECIAL.has(name)) continue;
    const body = readFedExFixture(name) as { output: { completeTrackResults: Array<{ trackingNumber: string } & Record<string, Json>> } };
    for (const complete of body.output.completeTrackResults) byNumber.set(complete.trackingNumber, { name, result: complete as Json });
  }
  return byNumber;
}

export async function startFakeFedEx(opts: FakeFedExOptions = {}): Promise<FakeFedEx> {
  const clientId = opts.clientId ?? `l7${randomBytes(15).toString('hex')}`;
  const clientSecret = opts.clientSecret ?? randomBytes(16).toString('hex');
  const lifetime = opts.tokenLifetimeSeconds ?? 3599;
  const known = journeys();
  const errors = readFedExFixture('errors') as Record<string, Json>;
  const tokens = new Map<string, number>(); // token → expires at (epoch ms)
  const requests: FakeFedExRequest[] = [];
  let faults = { remaining: 0, status: 503, retryAfterSeconds: undefined as number | undefined };

  const fake: FakeFedEx = {
    url: '',
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
    acceptTokens: true,
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
      const raw = Buffer.concat(chunks).toString('utf8');
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      let body: unknown;
      try {
        body = isForm ? Object.fromEntries(new URLSearchParams(raw)) : raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      const urlPath = (req.url ?? '/').split('?')[0];
      const answer = (status: number, payload: Json, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? '', path: urlPath, headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const error = (status: number, name: string, headers?: Record<string, string>) =>
        answer(status, fill(errors[name], { transactionId: randomUUID() }), headers);

      if (req.method === 'POST' && urlPath === '/oauth/token') {
        const form = (body ?? {}) as Record<string, string>;
        if (!isForm || form.grant_type !== 'client_credentials') return error(400, 'badCredentials');
        if (form.client_id !== clientId || form.client_secret !== clientSecret) return error(401, 'badCredentials');
        const token = randomBytes(24).toString('base64url');
        tokens.set(token, Date.now() + lifetime * 1000);
        fake.tokensIssued += 1;
        const issued = fill(readFedExFixture('token'), { accessToken: token }) as Record<string, Json>;
        return answer(200, { ...issued, expires_in: lifetime });
      }

      if (req.method === 'POST' && urlPath === '/track/v1/trackingnumbers') {
        if (faults.remaining > 0) {
          faults.remaining -= 1;
          const retry: Record<string, string> = faults.retryAfterSeconds === undefined ? {} : { 'retry-after': String(faults.retryAfterSeconds) };
          return error(faults.status, faults.status === 429 ? 'tooManyRequests' : 'serviceUnavailable', retry);
        }
        const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
        const expiresAt = bearer === undefined ? undefined : tokens.get(bearer);
        if (expiresAt === undefined || expiresAt <= Date.now() || !fake.acceptTokens) return error(401, 'expiredToken');

        const request = body as { includeDetailedScans?: unknown; trackingInfo?: Array<{ trackingNumberInfo?: { trackingNumber?: unknown } }> } | undefined;
        const numbers = (request?.trackingInfo ?? []).map((t) => t.trackingNumberInfo?.trackingNumber);
        if (numbers.length === 0 || numbers.length > 30 || numbers.some((n) => typeof n !== 'string' || n === '')) return error(400, 'badRequest');

        const completeTrackResults = (numbers as string[]).map((tn) => {
          const found = known.get(tn)?.result;
          const result = (found ?? fill((readFedExFixture('not-found') as { output: { completeTrackResults: Json[] } }).output.completeTrackResults[0], { trackingNumber: tn })) as {
            trackResults: Array<Record<string, Json>>;
          };
          // Without includeDetailedScans FedEx answers with the latest status only.
          if (request?.includeDetailedScans !== true) {
            return { ...result, trackResults: result.trackResults.map(({ scanEvents: _dropped, ...rest }) => rest) } as Json;
          }
          return result as Json;
        });
        return answer(200, { transactionId: randomUUID(), output: { completeTrackResults } });
      }

      return answer(404, { transactionId: randomUUID(), errors: [{ code: 'NOT.FOUND.ERROR', message: `No route for ${req.method} ${urlPath}` }] });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
