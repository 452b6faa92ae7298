import { z } from 'zod';
import { errorSchema, registry } from '../schemas';
import { pickingListBatchQuerySchema } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
const file = (type: 'application/pdf' | 'text/csv', description: string) => ({
  description: `${description} (Content-Disposition: attachment)`,
  content: { [type]: { schema: z.string().openapi({ format: type === 'application/pdf' ? 'binary' : undefined }) } },
});
const admin = [{ adminToken: [] as string[] }];
const orderParams = z.object({ orderId: z.string() });

registry.registerPath({
  method: 'get',
  path: '/api/admin/orders/{orderId}/shipments/{shipmentNo}/label.pdf',
  security: admin,
  summary: 'Shipping label of an outbound parcel: 4×6 in, Code 128 barcode of the tracking number',
  request: { params: orderParams.extend({ shipmentNo: z.string() }) },
  responses: { 200: file('application/pdf', 'the label'), 400: err('malformed order number or shipment number'), 401: err('no admin token'), 404: err('no such shipment, or no tracking number yet'), 409: err('the shipment was cancelled or replaced: its label is void'), 410: err('the shipping address was erased') },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/orders/{orderId}/returns/{returnNo}/label.pdf',
  security: admin,
  summary: 'Return label (customer as sender, the warehouse as recipient)',
  request: { params: orderParams.extend({ returnNo: z.string() }) },
  responses: { 200: file('application/pdf', 'the return label'), 400: err('malformed order number or return number'), 401: err('no admin token'), 404: err('no such return parcel, or no tracking number yet'), 409: err('the return label is void'), 410: err('the address was erased') },
});
registry.registerPath({
  method: 'get',
  path: '/api/orders/{orderId}/returns/{returnNo}/label.pdf',
  summary: "The customer's own return label; tracking token as `?token=` or `X-Tracking-Token`",
  request: { params: orderParams.extend({ returnNo: z.string() }), query: z.object({ token: z.string().optional() }), headers: z.object({ 'X-Tracking-Token': z.string().optional() }) },
  responses: { 200: file('application/pdf', 'the return label'), 400: err('malformed return number'), 404: err('no such order, wrong token, no such return, or no tracking number yet'), 409: err('the return label is void') },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/picking-lists.pdf',
  security: admin,
  summary: 'Batch picking list: one page per order in PAID, PROCESSING or PICKING (or `status`), oldest first, with order barcode and suggested parcels',
  request: { query: pickingListBatchQuerySchema },
  responses: { 200: file('application/pdf', 'picking lists'), 400: err('bad filter (field named)'), 401: err('no admin token') },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/picking-lists.csv',
  security: admin,
  summary: 'Batch picking list as CSV (UTF-8 with BOM): header row, one row per order line',
  request: { query: pickingListBatchQuerySchema },
  responses: { 200: file('text/csv', 'picking lists'), 400: err('bad filter (field named)'), 401: err('no admin token') },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/orders/{orderId}/picking-list.pdf',
  security: admin,
  summary: "One order's picking list",
  request: { params: orderParams },
  responses: { 200: file('application/pdf', 'picking list'), 400: err('malformed order number'), 401: err('no admin token'), 404: err('no such order'), 409: err('the order is not paid, or was cancelled') },
});
registry.registerPath({
  method: 'get',
  path: '/api/admin/orders/{orderId}/picking-list.csv',
  security: admin,
  summary: "One order's picking list as CSV",
  request: { params: orderParams },
  responses: { 200: file('text/csv', 'picking list'), 400: err('malformed order number'), 401: err('no admin token'), 404: err('no such order'), 409: err('the order is not paid, or was cancelled') },
});
