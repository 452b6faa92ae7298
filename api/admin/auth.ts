import type { Options } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { msOf } from '../../lib/config';
import { logger } from '../../lib/logger';
import type { ApiContext } from '../context';
import { HttpError } from '../errors';
import { FallbackStore } from '../security/fallbackStore';
import { clientKey } from '../security/rateLimits';
import { assertCsrf, isStateChanging } from '../staff/csrf';
import { type StaffRole, STAFF_ROLES, staffActor } from '../staff/roles';
import { type ApiKeyPrincipal, findApiKey, hashKey, seedDevKey } from './apiKeys';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the admin guard when the request was authorised by an API key (Authorization: Bearer). */
      apiKey?: ApiKeyPrincipal;
    }
  }
}

const log = logger.child({ component: 'admin-auth' });

interface KeyGuard {
  seeded: Promise<void> | undefined;
  perClient: FallbackStore;
  perToken: FallbackStore;
}

const guards = new WeakMap<ApiContext, KeyGuard>();

function guardOf(ctx: ApiContext): KeyGuard {
  let guard = guards.get(ctx);
  if (!guard) {
    // Failure counts live in Redis (shared by instances) and in-process meanwhile while it is down.
    const options = { windowMs: msOf(ctx.config.ADMIN_AUTH_FAILURE_WINDOW) } as Options;
    const perClient = new FallbackStore(ctx.redis, 'rl:admin-auth-client:', log);
    const perToken = new FallbackStore(ctx.redis, 'rl:admin-auth-token:', log);
    perClient.init(options);
    perToken.init(options);
    guard = { seeded: undefined, perClient, perToken };
    guards.set(ctx, guard);
  }
  return guard;
}

/** The dev key exists before the first bearer is checked (a failed seed is retried by the next request). */
function seeded(ctx: ApiContext, guard: KeyGuard): Promise<void> {
  const token = ctx.config.ADMIN_API_TOKEN;
  if (!token) return Promise.resolve();
  guard.seeded ??= seedDevKey(ctx.db, token).catch((err) => {
    guard.seeded = undefined;
    throw err;
  });
  return guard.seeded;
}

function tooManyFailures(what: string, limit: number, resetTime: Date | undefined): HttpError {
  const seconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
  return new HttpError(429, 'RATE_LIMITED', `too many wrong admin bearer tokens ${what} (at most ${limit}); try again in ${seconds} s`, { retryAfterSeconds: seconds });
}

/**
 * The API key behind an Authorization header, or 401/429. Wrong tokens are counted per client address
 * (ADMIN_AUTH_FAILURES_PER_CLIENT) and per presented token (ADMIN_AUTH_FAILURES_PER_TOKEN: a stale or
 * revoked key retried from many addresses); past either limit the answer is 429 before any lookup.
 * Only the header is read: a token in a URL lands in access logs, browser history and Referer headers.
 */
async function keyFromHeader(ctx: ApiContext, req: Request): Promise<ApiKeyPrincipal> {
  const guard = guardOf(ctx);
  const presented = /^Bearer (\S{1,512})$/.exec(req.header('Authorization') ?? '')?.[1];
  const client = clientKey(req);
  const token = hashKey(presented ?? '');
  const [byClient, byToken] = await Promise.all([guard.perClient.get(client), guard.perToken.get(token)]);
  if ((byClient?.totalHits ?? 0) >= ctx.config.ADMIN_AUTH_FAILURES_PER_CLIENT) {
    throw tooManyFailures('from this address', ctx.config.ADMIN_AUTH_FAILURES_PER_CLIENT, byClient?.resetTime);
  }
  if ((byToken?.totalHits ?? 0) >= ctx.config.ADMIN_AUTH_FAILURES_PER_TOKEN) {
    throw tooManyFailures('with this token', ctx.config.ADMIN_AUTH_FAILURES_PER_TOKEN, byToken?.resetTime);
  }
  await seeded(ctx, guard);
  const key = presented ? await findApiKey(ctx.db, presented) : undefined;
  if (!key) {
    await Promise.all([guard.perClient.increment(client), guard.perToken.increment(token)]);
    log.info({ client }, 'admin bearer token refused');
    throw new HttpError(401, 'UNAUTHORISED', 'a valid API key is required in the Authorization header (Bearer)');
  }
  return key;
}

function assertScope(key: ApiKeyPrincipal, allowed: ReadonlySet<StaffRole>): void {
  if (!key.scopes.some((s) => allowed.has(s))) {
    throw new HttpError(403, 'SCOPE_FORBIDDEN', `this needs a key with the ${[...allowed].join(' or ')} scope; key ${key.name} has ${key.scopes.join(', ')}`);
  }
}

/**
 * The admin API's door, with two keys. Machine clients present a named API key (api_keys, scoped by staff
 * role) as a bearer token in the Authorization header. People sign in (api/staff) and their session cookie
 * is accepted when their role is one of `roles` (admin always is), with the session's CSRF token on every
 * change. An Authorization header, when sent, is the only key looked at: a wrong token is not rescued by a
 * cookie.
 */
export function requireAdminToken(ctx: ApiContext, roles: readonly StaffRole[] = ['admin']): RequestHandler {
  const allowed = new Set<StaffRole>(['admin', ...roles]);
  return async (req, _res, next) => {
    if (req.header('Authorization') !== undefined) {
      const key = req.apiKey ?? (await keyFromHeader(ctx, req));
      assertScope(key, allowed);
      req.apiKey = key;
      next();
      return;
    }
    const staff = req.staff ?? (await req.staffAuth?.resolve());
    if (!staff) throw new HttpError(401, 'UNAUTHORISED', 'sign in as staff, or present a valid API key in the Authorization header');
    if (!allowed.has(staff.role)) {
      throw new HttpError(403, 'ROLE_FORBIDDEN', `this needs the ${[...allowed].join(' or ')} role; you are signed in as ${staff.role}`);
    }
    if (isStateChanging(req) && !req.staffAuth?.csrfChecked) {
      assertCsrf(req, staff);
      if (req.staffAuth) req.staffAuth.csrfChecked = true;
    }
    req.staff = staff;
    next();
  };
}

/** Any staff role (or any key): for a router whose routes each name their roles with requireRole. */
export const requireAnyStaff = (ctx: ApiContext): RequestHandler => requireAdminToken(ctx, STAFF_ROLES);

/** Per route, after requireAnyStaff: a session needs one of these roles (or admin), a key one of these scopes. */
export function requireRole(...roles: StaffRole[]): RequestHandler {
  const allowed = new Set<StaffRole>(['admin', ...roles]);
  return (req, _res, next) => {
    if (req.staff && !allowed.has(req.staff.role)) {
      throw new HttpError(403, 'ROLE_FORBIDDEN', `this needs the ${[...allowed].join(' or ')} role; you are signed in as ${req.staff.role}`);
    }
    if (req.apiKey) assertScope(req.apiKey, allowed);
    next();
  };
}

/** The actor recorded for a request authorised by a key. */
export const keyActor = (key: Pick<ApiKeyPrincipal, 'name'>): string => `key:${key.name}`;

/**
 * Who an admin action is recorded under: the staff member of the session, or the API key. Never what the
 * body says: the event log must not carry a name someone typed, so a body's actor is ignored.
 */
export function actorFor(req: Request, _given?: string, _field = 'actor'): string {
  if (req.staff) return staffActor(req.staff);
  if (req.apiKey) return keyActor(req.apiKey);
  throw new HttpError(401, 'UNAUTHORISED', 'sign in as staff, or present a valid API key in the Authorization header');
}

/** The plain name for fields such as the warehouse's `by`: the staff member's, or the key's. */
export function staffNameFor(req: Request, _given?: string, _field = 'by'): string {
  if (req.staff) return `${req.staff.name} <${req.staff.email}>`;
  if (req.apiKey) return keyActor(req.apiKey);
  throw new HttpError(401, 'UNAUTHORISED', 'sign in as staff, or present a valid API key in the Authorization header');
}
