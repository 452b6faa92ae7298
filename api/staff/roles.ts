import { z } from 'zod';

/**
 * What each role is for. admin: everything; warehouse: the picking list and packing; support: customers'
 * orders, cancellations and messages. Routes name the roles they accept besides admin (requireAdminToken).
 */
export const STAFF_ROLES = ['admin', 'warehouse', 'support'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const staffRoleSchema = z.enum(STAFF_ROLES, { error: 'must be admin, warehouse or support' });

/** Who is behind a request made with a staff session; loaded fresh per request so a disabled account stops at once. */
export interface StaffPrincipal {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
}

/** How the admin guard resolves the session lazily: only admin routes and pages pay for the Redis and database reads. */
export interface StaffAuth {
  /** The session's staff member, undefined without a (valid) session; rejects with 503 when Redis is unreachable. */
  resolve(): Promise<StaffPrincipal | undefined>;
  /** Set once a guard has checked this request's CSRF token, so a second guard on the same path does not repeat it. */
  csrfChecked?: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      staffAuth?: StaffAuth;
      /** Set by the admin guard when the request was authorised by a staff session (not the bearer token). */
      staff?: StaffPrincipal;
    }
  }
}

/** The actor an admin action is recorded under in the order's event log: who did it, findable by e-mail. */
export function staffActor(staff: Pick<StaffPrincipal, 'name' | 'email'>): string {
  return `admin:${staff.name} <${staff.email}>`;
}
