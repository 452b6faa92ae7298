import { randomUUID } from 'node:crypto';
import path from 'node:path';
import express from 'express';
import { projectRoot } from '../lib/paths';
import { adminRoutes } from './admin/adminRoutes';
import { catalogueRoutes } from './catalogue/catalogueRoutes';
import type { ApiContext } from './context';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health/healthRoutes';
import { openApiDocument } from './openapi';
import { checkoutRoutes } from './orders/checkoutRoutes';
import { orderRoutes } from './orders/orderRoutes';
import { webhookRoutes } from './payments/webhookRoutes';

export function createApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (ctx.config.TRUST_PROXY) app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.use((req, res, next) => {
    const id = req.header('X-Request-Id') ?? randomUUID();
    req.headers['x-request-id'] = id;
    res.set('X-Request-Id', id);
    next();
  });
  // Before any JSON parser: the webhook's signature is over the raw bytes.
  app.use(webhookRoutes(ctx));
  app.use(express.json({ limit: '100kb' }));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(catalogueRoutes(ctx));
  app.use(checkoutRoutes(ctx));
  app.use(orderRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use(healthRoutes(ctx));
  app.use(express.static(path.join(projectRoot, 'web', 'public')));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
