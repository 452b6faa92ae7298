import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { HttpError } from '../errors';
import type { StaffPrincipal } from './roles';

export const CSRF_HEADER = 'X-CSRF-Token';
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isStateChanging = (req: Request): boolean => !SAFE_METHODS.has(req.method);

/**
 * The synchronizer-token check (OWASP) for a request authorised by a staff session: the token the session was
 * given at sign-in must come back in the X-CSRF-Token header or a `_csrf` body field. A cookie alone, which a
 * browser attaches to a forged request too, is never enough. Fetch Metadata refuses cross-site requests
 * first, for browsers that send it. The field is removed once checked, so strict body schemas never see it.
 */
export function assertCsrf(req: Request, staff: StaffPrincipal): void {
  const site = req.header('Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new HttpError(403, 'CSRF_CROSS_SITE', `a ${site} request cannot change anything with a staff session`);
  }
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' && typeof body[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : undefined;
  const given = req.header(CSRF_HEADER) ?? fromBody;
  if (!given) throw new HttpError(403, 'CSRF_TOKEN_MISSING', `the ${CSRF_HEADER} header (or ${CSRF_FIELD} field) from your staff session is required for this change`);
  const a = Buffer.from(given);
  const b = Buffer.from(staff.csrfToken);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(403, 'CSRF_TOKEN_INVALID', `the ${CSRF_HEADER} token does not belong to your staff session; reload the page`);
  if (body && typeof body === 'object' && CSRF_FIELD in body) delete body[CSRF_FIELD];
}
