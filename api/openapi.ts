import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { preferencesSchema } from './notifications/notificationRoutes';
import {
  adminOrderListQuerySchema,
  cancelRequestSchema,
  checkoutRequestSchema,
  checkoutResponseSchema,
  errorSchema,
  packedRequestSchema,
  pickedRequestSchema,
  registry,
  resolveRequestSchema,
} from './schemas';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(errorSchema) });
const token = z.object({ token: z.string().optional() });
const orderParams = z.object({ orderId: z.string() });
const admin = [{ adminToken: [] as string[] }];

registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer' });

registry.registerPath({ method: 'get', path: '/api/products', summary: 'Every SKU with price (pence, VAT included) and available stock', responses: { 200: { description: 'catalogue' } } });
registry.registerPath({
  method: 'post',
  path: '/api/checkout',
  summary: 'Start an order: reserves stock and opens the Stripe PaymentIntent before answering',
  request: { headers: z.object({ 'Idempotency-Key': z.string().optional() }), body: json(checkoutRequestSchema) },
  responses: { 201: { description: 'order awaiting payment', ...json(checkoutResponseSchema) }, 400: err('a field is invalid (each named)'), 409: err('not enough stock (short lines named)'), 422: err('Idempotency-Key reused with another body'), 503: err('order system or payment provider unreachable') },
});
registry.registerPath({ method: 'post', path: '/api/webhooks/stripe', summary: 'Stripe webhook (signature verified over the raw body)', responses: { 200: { description: 'recorded' }, 400: err('signature missing, wrong or stale'), 503: err('recorded; redeliver later') } });
registry.registerPath({ method: 'get', path: '/api/orders/{orderId}', summary: "The customer's order: live status, lines, totals, timeline, shipments", request: { params: orderParams, query: token }, responses: { 200: { description: 'order' }, 404: err('no such order, or wrong token') } });
registry.registerPath({ method: 'post', path: '/api/orders/{orderId}/cancel', summary: 'Cancel before shipping (refunds and restores stock). Needs the token or cookie and a recent proof: a session from a one-time link, or `email` (the order\'s address typed again)', request: { params: orderParams, query: token, body: json(cancelRequestSchema) }, responses: { 200: { description: 'cancelled' }, 403: err('PROOF_REQUIRED (naming `email`), or CROSS_SITE'), 404: err('no such order, or wrong token'), 409: err('already shipped or finished') } });
registry.registerPath({ method: 'get', path: '/api/admin/orders', security: admin, summary: 'Orders from the read model, filtered', request: { query: adminOrderListQuerySchema }, responses: { 200: { description: 'orders' }, 400: err('bad filter'), 401: err('no admin token') } });
registry.registerPath({ method: 'get', path: '/api/admin/picking-list', security: admin, summary: 'Paid orders on the picking list, oldest first, with lines', responses: { 200: { description: 'picking list' } } });
registry.registerPath({ method: 'get', path: '/api/admin/orders/{orderId}', security: admin, request: { params: orderParams }, responses: { 200: { description: 'order with timeline' }, 404: err('no such order') } });
registry.registerPath({ method: 'get', path: '/api/admin/webhooks', security: admin, summary: 'Recorded Stripe events (filter by status)', responses: { 200: { description: 'events' } } });
registry.registerPath({ method: 'post', path: '/api/admin/orders/{orderId}/picked', security: admin, request: { params: orderParams, body: json(pickedRequestSchema) }, responses: { 202: { description: 'signalled' }, 409: err('order not on the picking list') } });
registry.registerPath({ method: 'post', path: '/api/admin/orders/{orderId}/packed', security: admin, request: { params: orderParams, body: json(packedRequestSchema) }, responses: { 202: { description: 'signalled' }, 409: err('order not being picked') } });
registry.registerPath({ method: 'post', path: '/api/admin/orders/{orderId}/retry', security: admin, request: { params: orderParams, body: json(resolveRequestSchema) }, responses: { 200: { description: 'resumed' }, 409: err('order not in NEEDS_ATTENTION') } });
registry.registerPath({ method: 'post', path: '/api/admin/orders/{orderId}/cancel', security: admin, request: { params: orderParams, body: json(resolveRequestSchema) }, responses: { 200: { description: 'cancelled' }, 409: err('cannot be cancelled') } });
registry.registerPath({ method: 'post', path: '/api/admin/webhooks/{eventId}/replay', security: admin, request: { params: z.object({ eventId: z.string() }) }, responses: { 200: { description: 'replayed' }, 404: err('no such event') } });
registry.registerPath({ method: 'get', path: '/api/health', summary: 'Dependencies with status and latency; 503 when orders cannot be taken', responses: { 200: { description: 'ok or degraded' }, 503: { description: 'down' } } });

// Live order events (api/streams): Server-Sent Events, each `id: <order_events.id>`, `event: order`, `data: <OrderStreamEvent JSON>`.
const orderStreamEvent = registry.register(
  'OrderStreamEvent',
  z.object({ id: z.number().int(), seq: z.number().int(), orderNumber: z.string(), type: z.string(), fromStatus: z.string().nullable(), toStatus: z.string().nullable(), actor: z.string().describe('on a customer stream a role word (customer, staff, warehouse, carrier, payment, system) and only the event types and fields customers are shown; on the admin stream as recorded'), reason: z.string().nullable(), data: z.record(z.string(), z.unknown()), occurredAt: z.string() }),
);
const sse = (description: string) => ({ description, content: { 'text/event-stream': { schema: orderStreamEvent } } });
const resume = { headers: z.object({ 'Last-Event-ID': z.string().optional() }), query: z.object({ token: z.string().optional(), lastEventId: z.string().optional() }) };
registry.registerPath({ method: 'get', path: '/api/orders/{orderId}/stream', summary: "The order's events as Server-Sent Events: with no id, its whole history first; `Last-Event-ID` (or `?lastEventId=`) resumes after that id. Token as `?token=` or `X-Tracking-Token`", request: { params: orderParams, ...resume, headers: z.object({ 'Last-Event-ID': z.string().optional(), 'X-Tracking-Token': z.string().optional() }) }, responses: { 200: sse('`retry: 3000`, then `id`/`event: order`/`data` per event, `: heartbeat` comments every STREAM_HEARTBEAT'), 400: err('Last-Event-ID is not an event id'), 404: err('no such order, or wrong token'), 503: err('too many open streams, or the event log unreachable; retry') } });
registry.registerPath({ method: 'get', path: '/api/admin/stream', security: admin, summary: "Every order's events as Server-Sent Events, from now, or after `Last-Event-ID` / `?lastEventId=`. Admins only: an admin session or an admin-scoped API key in the Authorization header (never in the URL)", request: resume, responses: { 200: sse('as the order stream, for every order'), 400: err('Last-Event-ID is not an event id'), 401: err('no admin token'), 503: err('too many open streams, or the event log unreachable; retry') } });
registry.registerPath({ method: 'get', path: '/api/admin/stream/stats', security: admin, summary: "This API process's open streams, their limit, and how its feed follows events (`pubsub` or `polling`)", responses: { 200: { description: '{ open, limit, feed: { mode, position } }' }, 401: err('no admin token') } });

registry.registerPath({ method: 'get', path: '/api/orders/{orderId}/inbox', summary: "This order's in-app messages only (newest first, with `unreadCount`), with the order's token or cookie; every order's: /api/customer/inbox", request: { params: orderParams, query: token }, responses: { 200: { description: '{ notifications, unreadCount }' }, 404: err('no such order, or wrong token') } });
registry.registerPath({ method: 'get', path: '/api/orders/{orderId}/preferences', summary: 'Gone: preferences belong to an e-mail address, see /api/customer/preferences', request: { params: orderParams }, responses: { 403: err('VERIFICATION_REQUIRED, always') } });
registry.registerPath({ method: 'put', path: '/api/orders/{orderId}/preferences', summary: 'Gone: preferences belong to an e-mail address, see /api/customer/preferences', request: { params: orderParams }, responses: { 403: err('VERIFICATION_REQUIRED, always') } });
registry.registerPath({ method: 'get', path: '/api/admin/notifications', security: admin, summary: 'Notifications with status, attempts, last error', responses: { 200: { description: 'notifications' } } });
registry.registerPath({ method: 'post', path: '/api/admin/notifications/{id}/resend', security: admin, request: { params: z.object({ id: z.string() }) }, responses: { 200: { description: 'resent' }, 404: err('no such notification'), 409: err('already sent') } });

let cached: unknown;
export function openApiDocument(): unknown {
  cached ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'DY Orders API', version: '1.0.0', description: 'Order backbone of DY Official. Money in integer pence (GBP).' },
    servers: [{ url: '/' }],
  });
  return cached;
}
