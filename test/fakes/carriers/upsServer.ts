import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { fillPlaceholders, readJsonFixture, type Json } from '../localServer';
import { dueFault, startOAuthCarrierFake, type FakeOAuthCarrier, type FakeOAuthCarrierOptions } from './oauthFake';

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

export interface FakeUps extends FakeOAuthCarrier {
  /** UPS_API_URL for the adapter (ends in /api, like UPS's own). */
  url: string;
  /** UPS_TOKEN_URL for the adapter. */
  tokenUrl: string;
  requests: FakeUpsRequest[];
}

export async function startFakeUps(opts: FakeOAuthCarrierOptions = {}): Promise<FakeUps> {
  const requests: FakeUpsRequest[] = [];
  return startOAuthCarrierFake(
    {
      fixturesDir: UPS_FIXTURES,
      numbersOf: (body: Json): Array<[string, Json]> => [[(body as { trackResponse: { shipment: Array<{ inquiryNumber: string }> } }).trackResponse.shipment[0].inquiryNumber, body]],
      clientId: () => randomBytes(24).toString('base64url'),
      clientSecret: () => randomBytes(32).toString('base64url'),
      tokenLifetimeSeconds: 14_399,
    },
    opts,
    (ctx, res) => {
      const { req, raw, clientId, clientSecret, lifetime, known, errors, tokens } = ctx;
      const url = new URL(req.url ?? '/', 'http://fake-ups');
      const query = Object.fromEntries(url.searchParams);
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const form = isForm ? Object.fromEntries(new URLSearchParams(raw)) : undefined;
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
        const token = tokens.issue(lifetime, 32);
        const issued = fillPlaceholders(readJsonFixture(UPS_FIXTURES, 'token'), { accessToken: token, clientId, issuedAt: String(Date.now()) }) as Record<string, Json>;
        return answer(200, { ...issued, expires_in: String(lifetime) });
      }

      const details = /^\/api\/track\/v1\/details\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && details) {
        const fault = dueFault(ctx);
        if (fault) return error(fault.status, fault.name, fault.headers);
        if (!tokens.accepts(req.headers.authorization)) return error(401, 'invalidToken');
        if (!req.headers.transid || !req.headers.transactionsrc) return error(400, 'missingHeader');
        const journey = known.get(decodeURIComponent(details[1]));
        return journey ? answer(200, journey.body) : answer(404, readJsonFixture(UPS_FIXTURES, 'not-found'));
      }

      return answer(404, { response: { errors: [{ code: '10404', message: `No route for ${req.method} ${url.pathname}` }] } });
    },
    (server) => ({ url: `${server.url}/api`, tokenUrl: `${server.url}/security/v1/oauth/token`, requests }),
  );
}
