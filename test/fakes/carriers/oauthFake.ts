import type http from 'node:http';
import { FaultPlan, IssuedTokens, journeyFixtures, listenLocally, readBody, readJsonFixture, type Json, type LocalServer } from '../localServer';

/**
 * What the fakes of the carriers with OAuth client-credentials tracking APIs (FedEx, UPS) share: the client's
 * credentials, the tokens issued and their expiry, the journey fixtures by tracking number, the error bodies,
 * fault injection on tracking calls, and the test-facing knobs. Each carrier's fake adds its own routes.
 */

export interface FakeOAuthCarrier {
  clientId: string;
  clientSecret: string;
  /** Tokens handed out so far. */
  readonly tokensIssued: number;
  /** The tracking numbers the fixtures know, by fixture name. */
  fixtures: Readonly<Record<string, string>>;
  /** The next n tracking calls get `status` (429 or 5xx), with Retry-After when given. */
  failNext(n: number, status?: number, retryAfterSeconds?: number): void;
  /** Makes every issued token unknown, as the carrier does when one expires or is revoked. */
  expireTokens(): void;
  close(): Promise<void>;
}

export interface FakeOAuthCarrierOptions {
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
}

export interface OAuthCarrierSetup {
  fixturesDir: string;
  /** Each journey fixture's tracking numbers, with what to answer for each. */
  numbersOf(body: Json): Array<[string, Json]>;
  clientId(): string;
  clientSecret(): string;
  tokenLifetimeSeconds: number;
}

/** Everything a handler needs about the request and the fake's state. */
export interface OAuthCarrierContext {
  req: http.IncomingMessage;
  raw: string;
  clientId: string;
  clientSecret: string;
  lifetime: number;
  known: Map<string, { name: string; body: Json }>;
  errors: Record<string, Json>;
  tokens: IssuedTokens;
  faults: FaultPlan;
}

/** Starts the fake; `extra` adds the carrier's own fields (its URLs, its request log), given the running server. */
export async function startOAuthCarrierFake<Extra extends object>(
  setup: OAuthCarrierSetup,
  opts: FakeOAuthCarrierOptions,
  handle: (ctx: OAuthCarrierContext, res: http.ServerResponse) => void,
  extra: (server: LocalServer) => Extra,
): Promise<FakeOAuthCarrier & Extra> {
  const clientId = opts.clientId ?? setup.clientId();
  const clientSecret = opts.clientSecret ?? setup.clientSecret();
  const lifetime = opts.tokenLifetimeSeconds ?? setup.tokenLifetimeSeconds;
  const known = journeyFixtures(setup.fixturesDir, ['token', 'errors', 'not-found'], setup.numbersOf);
  const errors = readJsonFixture(setup.fixturesDir, 'errors') as Record<string, Json>;
  const tokens = new IssuedTokens();
  const faults = new FaultPlan();

  const server = await listenLocally(async (req, res) => {
    handle({ req, raw: await readBody(req), clientId, clientSecret, lifetime, known, errors, tokens, faults }, res);
  });
  const base: FakeOAuthCarrier = {
    clientId,
    clientSecret,
    // A getter, so tests read the live count; Object.assign below copies onto `base` and keeps it.
    get tokensIssued() {
      return tokens.issued;
    },
    fixtures: Object.fromEntries([...known].map(([tn, { name }]) => [name, tn])),
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    expireTokens: () => tokens.expireAll(),
    close: server.close,
  };
  return Object.assign(base, extra(server));
}

/** The carrier's own 429 or 5xx body for a due fault, if one is; the tracking routes answer it before anything else. */
export function dueFault(ctx: OAuthCarrierContext): { status: number; name: string; headers: Record<string, string> } | undefined {
  const fault = ctx.faults.take();
  return fault && { status: fault.status, name: fault.status === 429 ? 'tooManyRequests' : 'serviceUnavailable', headers: fault.headers };
}
