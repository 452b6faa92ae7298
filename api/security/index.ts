import type { RequestHandler } from 'express';
import type { ApiContext } from '../context';
import { corsPolicy } from './cors';
import { securityHeaders } from './headers';
import { rateLimits } from './rateLimits';

/**
 * Response headers, CORS and rate limits, in that order: a refused preflight or a 429 still carries the
 * security headers, and a CORS preflight never spends a client's allowance. Mount before any body parser.
 */
export function security(ctx: ApiContext): RequestHandler[] {
  return [securityHeaders(ctx.config), corsPolicy(ctx.config), rateLimits(ctx)];
}
