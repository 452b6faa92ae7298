import type { RequestHandler } from 'express';
import type { ApiContext } from '../context';
import { HttpError } from '../errors';
import type { StaffPrincipal } from './roles';
import { SessionsUnavailableError, SessionStore, sessionIdFrom } from './sessions';
import { staffById } from './staffStore';

const stores = new WeakMap<ApiContext, SessionStore>();

/** One store per API context (tests run several systems in one process). */
export function sessionStore(ctx: ApiContext): SessionStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new SessionStore(ctx.redis, ctx.config);
    stores.set(ctx, store);
  }
  return store;
}

/** The staff member behind a session id: the session must be live and the account still enabled. */
export async function principalOf(ctx: ApiContext, sessionId: string): Promise<StaffPrincipal | undefined> {
  const session = await sessionStore(ctx).touch(sessionId);
  if (!session) return undefined;
  const staff = await staffById(ctx.db, session.staffId);
  if (!staff || staff.disabled) {
    await sessionStore(ctx).destroy(sessionId);
    return undefined;
  }
  return { id: staff.id, email: staff.email, name: staff.name, role: staff.role, sessionId: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
}

/**
 * Gives every request a lazy, memoised way to its staff session (req.staffAuth). Nothing is read until a guard
 * asks, so customers' requests and static files never touch Redis for it.
 */
export function attachStaffAuth(ctx: ApiContext): RequestHandler {
  return (req, _res, next) => {
    let pending: Promise<StaffPrincipal | undefined> | undefined;
    req.staffAuth = {
      resolve() {
        pending ??= (async () => {
          const id = sessionIdFrom(req, ctx.config);
          if (!id) return undefined;
          try {
            return await principalOf(ctx, id);
          } catch (err) {
            if (err instanceof SessionsUnavailableError) throw new HttpError(503, 'SESSIONS_UNAVAILABLE', 'staff sessions are unavailable right now (Redis is unreachable); retry shortly');
            throw err;
          }
        })();
        return pending;
      },
    };
    next();
  };
}
