import { randomUUID } from 'node:crypto';
import express from 'express';
import { requestLogger } from '../lib/logging';
import { adminRoutes } from './admin/adminRoutes';
import { apiKeyRoutes } from './admin/apiKeyRoutes';
import { orderDetailRoutes } from './admin/orderDetailRoutes';
import { systemRoutes } from './admin/systemRoutes';
import { alertRoutes } from './alerts/alertRoutes';
import { catalogueRoutes } from './catalogue/catalogueRoutes';
import { adminCatalogueRoutes } from './catalogue/adminCatalogueRoutes';
import { warehouseBoardRoutes } from './warehouse/boardRoutes';
import type { ApiContext } from './context';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health/healthRoutes';
import { measureHttp, metricsRoutes } from './metricsRoutes';
import { notificationRoutes } from './notifications/notificationRoutes';
import { openApiDocument } from './openapi';
import { checkoutRoutes } from './orders/checkoutRoutes';
import { shippingRoutes } from './shipping/shippingRoutes';
import { orderRoutes } from './orders/orderRoutes';
import { accessRoutes } from './orders/accessRoutes';
import { privacyRoutes } from './privacy/privacyRoutes';
import { streamRoutes } from './streams/streamRoutes';
import { warehouseRoutes } from './warehouse/warehouseRoutes';
import { fulfilmentRoutes } from './shipping/fulfilmentRoutes';
import { shippingAdminRoutes } from './shippingAdmin/shippingAdminRoutes';
import { createCarrierPushRoutes } from './shipping/pushRoutes';
import './shipping/fulfilmentSchemas';
import { webhookRoutes } from './payments/webhookRoutes';
import { security } from './security';
import { testPaymentRoutes } from './dev/testPaymentRoutes';
import { attachStaffAuth } from './staff/auth';
import { staffRoutes } from './staff/staffRoutes';
import { storefrontRoutes } from './storefront/storefrontRoutes';
import { webRoutes } from './web/webRoutes';

/** "1" means one proxy hop and "true" every hop; Express would read both strings as addresses. */
export function trustProxyValue(setting: string): boolean | number | string {
  if (/^\d+$/.test(setting)) return Number(setting);
  if (setting === 'true' || setting === 'false') return setting === 'true';
  return setting;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (ctx.config.TRUST_PROXY) app.set('trust proxy', trustProxyValue(ctx.config.TRUST_PROXY));
  app.use((req, res, next) => {
    // A caller's id is kept only when it is a short safe token: it is echoed and logged, so anything else
    // (newlines, markup, kilobytes) would be a way to forge log lines or headers.
    const given = req.header('X-Request-Id');
    const id = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = id;
    res.set('X-Request-Id', id);
    next();
  });
  app.use(requestLogger());
  app.use(measureHttp);
  app.use(metricsRoutes(ctx));
  // Lazy: a staff session is read only when an admin guard or page asks (see api/staff/auth.ts).
  app.use(attachStaffAuth(ctx));
  // Before security(): the Temporal UI's codec calls need their own CORS (they bring the same headers along).
  app.use(privacyRoutes(ctx));
  // Headers, CORS and rate limits: before the routes and body parsers, so a limited client costs no parsing.
  app.use(security(ctx));
  // Before any JSON parser: the webhook's signature is over the raw bytes.
  app.use(webhookRoutes(ctx));
  // Raw bodies too: the carriers' signatures are over the bytes they sent.
  app.use(createCarrierPushRoutes(ctx));
  app.use(express.json({ limit: ctx.config.BODY_LIMIT }));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(catalogueRoutes(ctx));
  app.use(storefrontRoutes(ctx));
  app.use(testPaymentRoutes(ctx));
  app.use(staffRoutes(ctx));
  app.use(checkoutRoutes(ctx));
  app.use(shippingRoutes(ctx));
  app.use(orderRoutes(ctx));
  app.use(accessRoutes(ctx));
  app.use(streamRoutes(ctx)); // before adminRoutes: its guard would refuse the admin stream's ?token=
  app.use(apiKeyRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use(orderDetailRoutes(ctx));
  app.use(systemRoutes(ctx));
  app.use(warehouseRoutes(ctx));
  app.use(warehouseBoardRoutes(ctx));
  app.use(adminCatalogueRoutes(ctx));
  app.use(fulfilmentRoutes(ctx));
  app.use(shippingAdminRoutes(ctx));
  app.use(alertRoutes(ctx));
  app.use(notificationRoutes(ctx));
  app.use(healthRoutes(ctx));
  app.use(webRoutes(ctx));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
