import { errorSchema, registry } from '../schemas';
import { analyticsQuerySchema, analyticsResponseSchema, issuesQuerySchema, issuesResponseSchema, shipmentSearchQuerySchema, shipmentSearchResponseSchema } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
const ok = (description: string, schema: typeof shipmentSearchResponseSchema | typeof analyticsResponseSchema | typeof issuesResponseSchema) => ({ description, content: { 'application/json': { schema } } });
// Every staff role (admin, warehouse, support) or the machine token.
const security: Array<Record<string, string[]>> = [{ adminToken: [] }, { staffSession: [] }];
const refused = { 401: err('no admin token and no staff session'), 403: err('a staff role that may not read this') };

registry.registerPath({
  method: 'get',
  path: '/api/admin/shipping/shipments',
  security,
  summary: 'Shipping dashboard: parcels (outbound and returns) with their order, newest first; `orderId` and `trackingNumber` match any part, dates are London days (both included) of the parcel row',
  request: { query: shipmentSearchQuerySchema },
  responses: { 200: ok('one page of parcels and the total matching', shipmentSearchResponseSchema), 400: err('a bad filter (each field named)'), ...refused },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/shipping/analytics',
  security,
  summary: 'Shipping dashboard: per carrier the on-time rate (per-mille), median and p90 hours from booking to delivery, and cost per parcel by carrier and zone, over outbound parcels booked in the range (default the last 30 days)',
  request: { query: analyticsQuerySchema },
  responses: { 200: ok('carrier performance and costs', analyticsResponseSchema), 400: err('a bad date or range (field named)'), ...refused },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/shipping/issues',
  security,
  summary: 'Shipping dashboard: parcels in exception, orders in NEEDS_ATTENTION for a parcel, and parcels silent for `staleHours` (default half of TRACKING_STALE_AFTER)',
  request: { query: issuesQuerySchema },
  responses: { 200: ok('what needs a person', issuesResponseSchema), 400: err('a bad threshold (field named)'), ...refused },
});
