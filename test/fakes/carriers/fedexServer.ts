import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { fillPlaceholders, readJsonFixture, type Json } from '../localServer';
import { dueFault, startOAuthCarrierFake, type FakeOAuthCarrier, type FakeOAuthCarrierOptions } from './oauthFake';

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

export interface FakeFedEx extends FakeOAuthCarrier {
  url: string;
  requests: FakeFedExRequest[];
  /** While false, the API refuses every token, even one just issued (as after FedEx revokes the project). */
  acceptTokens: boolean;
}

export async function startFakeFedEx(opts: FakeOAuthCarrierOptions = {}): Promise<FakeFedEx> {
  const requests: FakeFedExRequest[] = [];
  const fake: FakeFedEx = await startOAuthCarrierFake(
    {
      fixturesDir: FEDEX_FIXTURES,
      numbersOf: (body: Json): Array<[string, Json]> =>
        (body as { output: { completeTrackResults: Array<{ trackingNumber: string } & Record<string, Json>> } }).output.completeTrackResults.map((c) => [c.trackingNumber, c as Json]),
      clientId: () => `l7${randomBytes(15).toString('hex')}`,
      clientSecret: () => randomBytes(16).toString('hex'),
      tokenLifetimeSeconds: 3599,
    },
    opts,
    (ctx, res) => {
      const { req, raw, clientId, clientSecret, lifetime, known, errors, tokens } = ctx;
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
        answer(status, fillPlaceholders(errors[name], { transactionId: randomUUID() }), headers);

      if (req.method === 'POST' && urlPath === '/oauth/token') {
        const form = (body ?? {}) as Record<string, string>;
        if (!isForm || form.grant_type !== 'client_credentials') return error(400, 'badCredentials');
        if (form.client_id !== clientId || form.client_secret !== clientSecret) return error(401, 'badCredentials');
        const token = tokens.issue(lifetime);
        const issued = fillPlaceholders(readJsonFixture(FEDEX_FIXTURES, 'token'), { accessToken: token }) as Record<string, Json>;
        return answer(200, { ...issued, expires_in: lifetime });
      }

      if (req.method === 'POST' && urlPath === '/track/v1/trackingnumbers') {
        const fault = dueFault(ctx);
        if (fault) return error(fault.status, fault.name, fault.headers);
        if (!tokens.accepts(req.headers.authorization) || !fake.acceptTokens) return error(401, 'expiredToken');

        const request = body as { includeDetailedScans?: unknown; trackingInfo?: Array<{ trackingNumberInfo?: { trackingNumber?: unknown } }> } | undefined;
        const numbers = (request?.trackingInfo ?? []).map((t) => t.trackingNumberInfo?.trackingNumber);
        if (numbers.length === 0 || numbers.length > 30 || numbers.some((n) => typeof n !== 'string' || n === '')) return error(400, 'badRequest');

        const completeTrackResults = (numbers as string[]).map((tn) => {
          const found = known.get(tn)?.body;
          const result = (found ?? fillPlaceholders((readJsonFixture(FEDEX_FIXTURES, 'not-found') as { output: { completeTrackResults: Json[] } }).output.completeTrackResults[0], { trackingNumber: tn })) as {
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
    },
    (server) => ({ url: server.url, requests, acceptTokens: true }),
  );
  return fake;
}
