import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../lib/config';
import { paymentMode } from '../storefront/storefrontRoutes';

/**
 * Helmet's defaults, tightened for what we serve: JSON, an SSE stream and the pages of web/public (external
 * scripts and one stylesheet, nothing inline). Nothing here is meant to be framed or to load third-party
 * code, except Stripe's when its Payment Element is configured.
 */
export function securityHeaders(config: Config): RequestHandler {
  const production = config.NODE_ENV === 'production';
  // Stripe's Payment Element: its script from js.stripe.com, its card fields in frames, its calls to the API.
  // Only when the page will use it (paymentMode in api/storefront), so dev and tests stay self-only.
  const stripe = paymentMode(config).mode === 'stripe';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", ...(stripe ? ['https://js.stripe.com'] : [])],
        // One stylesheet (web/public/css/site.css), no inline styles; helmet's default would also allow any https: one.
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'", ...(stripe ? ['https://api.stripe.com'] : [])],
        'frame-src': stripe ? ['https://js.stripe.com', 'https://hooks.stripe.com'] : ["'none'"],
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
