import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

/** Machine clients (warehouse scanners, scripts) present ADMIN_API_TOKEN as a bearer token. */
export function requireAdminToken(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.header('Authorization') ?? '')?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      next(new HttpError(401, 'UNAUTHORISED', 'a valid admin bearer token is required'));
      return;
    }
    next();
  };
}
