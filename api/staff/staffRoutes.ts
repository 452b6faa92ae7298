import { Router, type Request } from 'express';
import { logger } from '../../lib/logger';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { loginAccountLimiter } from '../security/rateLimits';
import { principalOf, sessionStore } from './auth';
import { assertCsrf } from './csrf';
import { verifyPassword } from './passwords';
import { SessionsUnavailableError, clearSessionCookie, sessionIdFrom, setSessionCookie } from './sessions';
import { loginRequestSchema, staffByEmail } from './staffStore';
import type { StaffPrincipal } from './roles';

// Registers these routes' OpenAPI paths (a side effect, like the other route modules' documents).
import './openapi';

const log = logger.child({ component: 'staff' });


const present = (staff: Pick<StaffPrincipal, 'email' | 'name' | 'role' | 'csrfToken' | 'expiresAt'>) => ({
  staff: { email: staff.email, name: staff.name, role: staff.role },
  csrfToken: staff.csrfToken,
  expiresAt: new Date(staff.expiresAt).toISOString(),
});

const unavailable = () => new HttpError(503, 'SESSIONS_UNAVAILABLE', 'staff sign-in is unavailable right now (Redis is unreachable); retry shortly');

/** The account a login attempt names, for the per-account limit. */
const attemptedEmail = (req: Request): string | undefined => {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase().slice(0, 254) : undefined;
};

/**
 * Staff sign-in, sign-out and "who am I". The per-address login limit is installed before the body parser
 * (api/security/rateLimits.ts); the per-account one needs the parsed e-mail, so it sits here.
 */
export function staffRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post('/api/staff/login', loginAccountLimiter(ctx, attemptedEmail), async (req, res) => {
    const body = parse(loginRequestSchema, req.body ?? {});
    const staff = await staffByEmail(ctx.db, body.email);
    const usable = staff && !staff.disabled ? staff : undefined;
    // Unknown, disabled and wrong-password answers are one answer, after the same argon2 work.
    const ok = await verifyPassword(usable?.password_hash, body.password);
    if (!ok || !usable) {
      log.info({ reason: !staff ? 'unknown' : staff.disabled ? 'disabled' : 'password' }, 'staff sign-in refused');
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'that e-mail and password do not match an active staff account');
    }
    // A fresh id at every sign-in: a session id planted before sign-in (fixation) never becomes authenticated.
    const previous = sessionIdFrom(req, ctx.config);
    let session;
    try {
      if (previous) await sessionStore(ctx).destroy(previous);
      session = await sessionStore(ctx).create(usable.id);
    } catch (err) {
      if (err instanceof SessionsUnavailableError) throw unavailable();
      throw err;
    }
    await ctx.db('staff').where({ id: usable.id }).update({ last_login_at: ctx.db.fn.now() });
    log.info({ staffId: usable.id, role: usable.role }, 'staff signed in');
    setSessionCookie(res, ctx.config, session);
    res.set('Cache-Control', 'no-store').json(present({ ...usable, csrfToken: session.csrfToken, expiresAt: session.expiresAt }));
  });

  router.get('/api/staff/session', async (req, res) => {
    const staff = await req.staffAuth?.resolve();
    if (!staff) throw new HttpError(401, 'NOT_SIGNED_IN', 'no staff session; sign in at /admin/login');
    res.set('Cache-Control', 'no-store').json(present(staff));
  });

  /** Ends the session on the server, not only the cookie; needs the CSRF token like any change. */
  router.post('/api/staff/logout', async (req, res) => {
    const id = sessionIdFrom(req, ctx.config);
    const staff = id ? await principalOf(ctx, id).catch((err) => {
      if (err instanceof SessionsUnavailableError) throw unavailable();
      throw err;
    }) : undefined;
    if (staff && id) {
      assertCsrf(req, staff);
      await sessionStore(ctx).destroy(id);
      log.info({ staffId: staff.id }, 'staff signed out');
    }
    clearSessionCookie(res, ctx.config);
    res.status(204).end();
  });

  return router;
}
