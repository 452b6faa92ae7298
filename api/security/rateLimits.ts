import express, { type Request, type Router } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { msOf } from '../../lib/config';
import { logger as rootLogger } from '../../lib/logger';
import type { ApiContext } from '../context';
import { FallbackStore } from './fallbackStore';

const log = rootLogger.child({ component: 'rate-limit' });

let warnedUntrustedProxy = false;

/**
 * The client's address as Express resolves it under `trust proxy` (TRUST_PROXY), IPv6 reduced to its /56 so
 * one host cannot rotate through its own addresses to dodge a limit.
 */
export function clientKey(req: Request): string {
  if (!warnedUntrustedProxy && req.headers['x-forwarded-for'] && !req.app.get('trust proxy')) {
    // Behind a proxy every customer would share the proxy's address and so one allowance.
    warnedUntrustedProxy = true;
    log.warn('X-Forwarded-For received but TRUST_PROXY is unset: clients are keyed by the connecting address');
  }
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * One limiter with its own store (express-rate-limit refuses a shared one) and Redis prefix. Every request
 * counts, whatever its outcome: a malformed or refused request costs us as much as a good one, and counting
 * only successes would let a client probe tokens or stock without limit.
 */
function limiter(
  ctx: ApiContext,
  name: string,
  limit: number,
  what: string,
  opts: { keyGenerator?: (req: Request) => string; skip?: (req: Request) => boolean; window?: string; skipSuccessfulRequests?: boolean; from?: string } = {},
): RateLimitRequestHandler {
  return rateLimit({
    windowMs: msOf(opts.window ?? ctx.config.RATE_LIMIT_WINDOW),
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: name,
    keyGenerator: opts.keyGenerator ?? clientKey,
    skipSuccessfulRequests: opts.skipSuccessfulRequests ?? false,
    ...(opts.skip ? { skip: opts.skip } : {}),
    store: new FallbackStore(ctx.redis, `rl:${name}:`, log),
    handler: (_req, res, _next, options) => {
      // express-rate-limit has already set Retry-After (seconds until this client's window resets).
      const retryAfterSeconds = Number(res.getHeader('Retry-After')) || 1;
      res.status(options.statusCode).json({
        error: { code: 'RATE_LIMITED', message: `too many ${what} ${opts.from ?? 'from this address'}; try again in ${retryAfterSeconds} s`, retryAfterSeconds },
      });
    },
    logger: {
      error: (err, message) => log.error({ err }, message ?? 'rate limiter error'),
      warn: (err, message) => log.warn({ err }, message ?? 'rate limiter warning'),
    },
  });
}

/** POST /api/checkout: each one reserves stock and creates a payment intent. */
export function checkoutLimiter(ctx: ApiContext): RateLimitRequestHandler {
  return limiter(ctx, 'checkout', ctx.config.RATE_LIMIT_CHECKOUT, 'checkout attempts');
}

/**
 * Everything under /api/orders/:orderId (the order, its stream, inbox, preferences, cancel): all of it is
 * guarded by a tracking token, so one allowance per client bounds guessing order numbers or tokens.
 */
export function orderLookupLimiter(ctx: ApiContext): RateLimitRequestHandler {
  return limiter(ctx, 'order-lookup', ctx.config.RATE_LIMIT_ORDER_LOOKUP, 'order requests');
}

/**
 * For POST /api/staff/login, before any credential check. rateLimits() already installs it there: a login
 * route must not apply it again, or each attempt would count twice.
 */
export function loginLimiter(ctx: ApiContext): RateLimitRequestHandler {
  return limiter(ctx, 'login', ctx.config.RATE_LIMIT_LOGIN, 'login attempts');
}

/**
 * Failed sign-ins per (account, client address) pair. Only failures count (a 2xx is taken back). Keyed by
 * the pair, not the account alone: a stranger failing from their address locks only that pair, so the real
 * member of staff still signs in from their own address; guessing from many addresses is bounded by the
 * per-address login limit and, each pair, by this one. Keyed by the e-mail as typed (lower-cased), whether
 * or not it exists, so the answer reveals nothing about accounts.
 */
export function loginAccountLimiter(ctx: ApiContext, emailOf: (req: Request) => string | undefined): RateLimitRequestHandler {
  return limiter(ctx, 'login-account', ctx.config.RATE_LIMIT_LOGIN_ACCOUNT, 'failed sign-ins', {
    keyGenerator: (req) => `${emailOf(req) as string}|${clientKey(req)}`,
    // No account named (the body fails validation anyway): only the per-address limit applies.
    skip: (req) => emailOf(req) === undefined,
    window: ctx.config.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW,
    skipSuccessfulRequests: true,
    from: 'for this account from this address',
  });
}

/** POST /api/tracking/lookup: each answer says whether an order number and e-mail belong together. */
export function orderFindLimiter(ctx: ApiContext): RateLimitRequestHandler {
  return limiter(ctx, 'order-find', ctx.config.RATE_LIMIT_ORDER_FIND, 'order searches');
}

/**
 * Installed before any body parser, so an over-size or malformed body is counted (and a limited client is
 * refused) before we spend anything parsing it.
 */
export function rateLimits(ctx: ApiContext): Router {
  const router = express.Router();
  router.post('/api/checkout', checkoutLimiter(ctx));
  router.use('/api/orders/:orderId', orderLookupLimiter(ctx));
  router.post('/api/tracking/lookup', orderFindLimiter(ctx));
  // Each one mails the order's address: the finder's budget, so neither route floods a customer's mailbox.
  router.post('/api/orders/:orderId/verify-email', orderFindLimiter(ctx));
  router.post('/api/staff/login', loginLimiter(ctx));
  return router;
}
