import { z } from 'zod';
import { carrierNameSchema } from '../../domain/shipping/carriers/carrier';
import { ATTENTION_ACTIONS } from '../../workflows/orders/definitions';
import { actorSchema, errorSchema, noteSchema, registry } from '../schemas';
import { text } from '../../lib/text';

const actor = actorSchema.optional();
const note = noteSchema.optional();

export const attentionActionSchema = registry.register(
  'AttentionAction',
  z.strictObject({
    action: z.enum(ATTENTION_ACTIONS, { error: `must be one of ${ATTENTION_ACTIONS.join(', ')}` }),
    shipmentNo: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
    actor,
    note,
  }),
);

export const carrierOverrideSchema = registry.register('CarrierOverride', z.strictObject({ carrier: carrierNameSchema, actor, note }));

export const returnRequestSchema = registry.register(
  'ReturnRequest',
  z.strictObject({
    lines: z
      .array(z.strictObject({ lineNo: z.number().int('must be a whole number').min(1, 'must be at least 1'), quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50) }))
      .min(1, 'must name at least one line')
      .max(50)
      .refine((ls) => new Set(ls.map((l) => l.lineNo)).size === ls.length, 'must name each line once'),
    reason: text({ min: 3, minMessage: 'must say why, in a few words', max: 500, maxMessage: 'is too long', multiline: true, required: 'is required: why the lines come back' }),
    // The customer's proof for the change (api/orders/access.ts); staff routes ignore it.
    email: text({ max: 254, maxMessage: 'is too long' }).optional(),
    actor,
  }),
);

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(errorSchema) });
const orderParams = z.object({ orderId: z.string() });
const token = z.object({ token: z.string().optional() });
const admin = [{ adminToken: [] as string[] }];

registry.registerPath({
  method: 'post',
  path: '/api/admin/orders/{orderId}/attention',
  security: admin,
  summary: 'Act on a NEEDS_ATTENTION order: retry/resolve (carry on), reship a parcel (stock taken again), refund its lines, or cancel before anything was booked',
  request: { params: orderParams, body: json(attentionActionSchema) },
  responses: { 200: { description: 'the order after the action' }, 400: err('a field is invalid'), 404: err('no such order'), 409: err('the action does not apply now (named)') },
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/orders/{orderId}/carrier',
  security: admin,
  summary: 'Send the order with another carrier before any parcel is booked; cost and reason recorded',
  request: { params: orderParams, body: json(carrierOverrideSchema) },
  responses: { 200: { description: 'the new carrier choice' }, 400: err('unknown carrier'), 409: err('already booked, or the carrier cannot take the parcels') },
});
registry.registerPath({
  method: 'post',
  path: '/api/orders/{orderId}/returns',
  summary: 'Return some delivered lines within the return window: a label is issued, and on receipt the stock is restored and the lines refunded',
  request: { params: orderParams, query: token, body: json(returnRequestSchema) },
  responses: { 201: { description: 'return started' }, 400: err('a field is invalid'), 403: err('PROOF_REQUIRED: a session from a one-time link, or `email` typed again'), 404: err('no such order, or wrong token'), 409: err('not delivered, too many units, or the window closed (with its date)') },
});
registry.registerPath({
  method: 'post',
  path: '/api/admin/orders/{orderId}/returns',
  security: admin,
  summary: 'Start a return for the customer (same rules as theirs)',
  request: { params: orderParams, body: json(returnRequestSchema) },
  responses: { 201: { description: 'return started' }, 409: err('not delivered, too many units, or the window closed') },
});
registry.registerPath({
  method: 'get',
  path: '/api/orders/{orderId}/shipments',
  summary: "Each parcel of the order (outbound and returns) with its carrier, tracking number, estimated delivery and full tracking history",
  request: { params: orderParams, query: token },
  responses: { 200: { description: 'shipments' }, 404: err('no such order, or wrong token') },
});
