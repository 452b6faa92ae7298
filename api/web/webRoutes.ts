import path from 'node:path';
import express, { Router, type Response } from 'express';
import { projectRoot } from '../../lib/paths';
import type { ApiContext } from '../context';
import { orderPageExchange } from '../orders/accessRoutes';
import { pageRenderer } from './pages';

export const WEB_ROOT = path.join(projectRoot, 'web', 'public');

/** Clean URLs of the pages (web/pages, rendered into web/layouts), including the ones e-mails link to (activities/notifications/templates/format.ts). */
const PAGES: Array<[route: string, file: string]> = [
  ['/', 'index.html'],
  ['/cart', 'cart.html'],
  ['/checkout', 'checkout.html'],
  ['/track', 'track.html'],
  ['/orders/:orderId', 'order.html'],
  ['/admin/login', 'admin/login.html'],
];

/** Staff pages: only served to a staff session; everyone else is sent to sign in. */
const STAFF_PAGES: Array<[route: string, file: string]> = [
  ['/admin', 'admin/index.html'],
  ['/admin/orders', 'admin/index.html'],
  ['/admin/orders/:orderId', 'admin/order.html'],
  ['/admin/shipping', 'admin/shipping.html'],
  ['/admin/warehouse', 'admin/warehouse.html'],
  ['/admin/catalogue', 'admin/catalogue.html'],
  ['/admin/notifications', 'admin/notifications.html'],
  ['/admin/system', 'admin/system.html'],
];

/**
 * HTML is revalidated on every visit (a deploy shows at once); scripts, styles and images have no content hash
 * in their names (no build step), so production lets browsers keep them for five minutes and then revalidate
 * by ETag, and dev always revalidates so an edit shows on the next reload.
 */
function cacheHeaders(production: boolean) {
  return (res: Response, file: string) => {
    if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
    else res.setHeader('Cache-Control', production ? 'public, max-age=300, must-revalidate' : 'no-cache');
  };
}

/** The web pages served by the API process: plain HTML and ES modules from web/public, no build step. */
export function webRoutes(ctx: ApiContext): Router {
  const router = Router();
  const setHeaders = cacheHeaders(ctx.config.NODE_ENV === 'production');
  const render = pageRenderer(ctx.config.NODE_ENV === 'production');
  const send = (file: string) => (_req: express.Request, res: Response) => {
    setHeaders(res, file);
    res.type('html').send(render(file));
  };

  // A token or link in the order page's URL is swapped for a cookie first, and the page reloads without it.
  router.get('/orders/:orderId', orderPageExchange(ctx));
  for (const [route, file] of PAGES) router.get(route, send(file));

  // Everything under /admin but the sign-in page needs a session, static files there included.
  router.use('/admin', async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path === '/login' || req.path === '/login.html') return next();
    const staff = await req.staffAuth?.resolve();
    if (!staff) {
      res.set('Cache-Control', 'no-store').redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.set('Cache-Control', 'no-store');
    next();
  });
  for (const [route, file] of STAFF_PAGES) router.get(route, (_req, res) => res.type('html').send(render(file)));

  router.use(express.static(WEB_ROOT, { index: false, redirect: false, setHeaders }));
  return router;
}
