import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../lib/config';

/**
 * Helmet's defaults, tightened for what we serve: JSON, an SSE stream and a few static pages whose only
 * inline content is a `<style>` block. Nothing here is meant to be framed or to load third-party code.
 */
export function securityHeaders(config: Config): RequestHandler {
  const production = config.NODE_ENV === 'production';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // Inline <style> is all our pages need; helmet's default also allows any https: stylesheet.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        // Safari upgrades http://localhost sub-requests too, which breaks the dev pages served over plain HTTP.
        'upgrade-insecure-requests': production ? [] : null,
      },
    },
    // Matches frame-ancestors 'none' for browsers that predate CSP level 2.
    xFrameOptions: { action: 'deny' },
    // Tracking tokens can travel in the query (?token= for EventSource): never leak them in a Referer.
    referrerPolicy: { policy: 'no-referrer' },
    // same-site rather than same-origin: the storefront on a sibling subdomain loads /js/orderStream.js with
    // a plain <script src>, which CORP governs. JSON reads from other sites still need CORS.
    crossOriginResourcePolicy: { policy: 'same-site' },
    // Left on (the default): removes X-Powered-By even if a sub-app re-enables it.
    xPoweredBy: true,
  });
}
