import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError, validationError } from '../errors';
import { assertCsrf, isStateChanging } from '../staff/csrf';
import { type StaffRole, STAFF_ROLES, staffActor } from '../staff/roles';

function bearerMatches(req: Request, expected: Buffer): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.header('Authorization') ?? '')?.[1] ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The admin API's door, with two keys. Machine clients (warehouse scanners, scripts) present ADMIN_API_TOKEN
 * as a bearer token and may do anything. People sign in (api/staff) and their session cookie is accepted when
 * their role is one of `roles` (admin always is), with the session's CSRF token on every change.
 * An Authorization header, when sent, is the only key looked at: a wrong token is not rescued by a cookie.
 */
export function requireAdminToken(token: string, roles: readonly StaffRole[] = ['admin']): RequestHandler {
  const expected = Buffer.from(token);
  const allowed = new Set<StaffRole>(['admin', ...roles]);
  return async (req, _res, next) => {
    if (req.header('Authorization') !== undefined) {
      if (!bearerMatches(req, expected)) throw new HttpError(401, 'UNAUTHORISED', 'a valid admin bearer token is required');
      next();
      return;
    }
    const staff = req.staff ?? (await req.staffAuth?.resolve());
    if (!staff) throw new HttpError(401, 'UNAUTHORISED', 'sign in as staff, or present a valid admin bearer token');
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

/** Any staff role (or the bearer token): for a router whose routes each name their roles with requireRole. */
export const requireAnyStaff = (token: string): RequestHandler => requireAdminToken(token, STAFF_ROLES);

/** Per route, after requireAnyStaff: the bearer token passes; a session needs one of these roles (or admin). */
export function requireRole(...roles: StaffRole[]): RequestHandler {
  const allowed = new Set<StaffRole>(['admin', ...roles]);
  return (req, _res, next) => {
    if (req.staff && !allowed.has(req.staff.role)) {
      throw new HttpError(403, 'ROLE_FORBIDDEN', `this needs the ${[...allowed].join(' or ')} role; you are signed in as ${req.staff.role}`);
    }
    next();
  };
}

/**
 * Who an admin action is recorded under. With a session it is the staff member, whatever the body says: the
 * event log must not carry a name someone typed. Machine clients name themselves in `field`.
 */
export function actorFor(req: Request, given: string | undefined, field = 'actor'): string {
  if (req.staff) return staffActor(req.staff);
  if (!given) throw validationError([{ field, message: 'is required with the bearer token (who is acting)' }]);
  return `admin:${given}`;
}

/** The plain name for fields such as the warehouse's `by`: the staff member's, or what a machine client sent. */
export function staffNameFor(req: Request, given: string | undefined, field = 'by'): string {
  if (req.staff) return `${req.staff.name} <${req.staff.email}>`;
  if (!given) throw validationError([{ field, message: 'is required with the bearer token (who did it)' }]);
  return given;
}
