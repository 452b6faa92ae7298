import { extendZodWithOpenApi, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { text } from '../lib/text';
import { addressSchema, carrierNameSchema } from '../domain/shipping/carriers/carrier';
import { ATTENTION_REASONS, CANCEL_REASONS, ORDER_STATUSES, SERVICE_LEVELS } from '../workflows/orders/definitions';

extendZodWithOpenApi(z);

/** One source of truth: these schemas validate requests and generate the OpenAPI document. */
export const registry = new OpenAPIRegistry();

export const orderStatusSchema = z.enum(ORDER_STATUSES).openapi('OrderStatus');
export const cancelReasonSchema = z.enum(CANCEL_REASONS);
export const attentionReasonSchema = z.enum(ATTENTION_REASONS);

export const shippingOptionSchema = z
  .enum(SERVICE_LEVELS, { error: `must be one of ${SERVICE_LEVELS.join(', ')}` })
  .openapi('ShippingOption', { description: 'Service level; each is priced by POST /api/shipping/quotes for the destination and basket' });

/** Every text input: trimmed, capped, no control characters (lib/text.ts). */
export const emailSchema = text({ max: 254, maxMessage: 'is too long', required: 'is required' }).toLowerCase().email('must be an email address');
/** Who did it, for machine clients; a staff session names its own member instead. */
export const actorSchema = text({ min: 1, max: 100 });
/** Free-text notes on an action: may span lines. */
export const noteSchema = text({ max: 500, maxMessage: 'is too long', multiline: true });

export const checkoutItemSchema = z.strictObject({
  sku: text({ min: 1, minMessage: 'is required', max: 100, maxMessage: 'is too long', required: 'is required' }),
  quantity: z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20 per line'),
});

export const checkoutRequestSchema = registry.register(
  'CheckoutRequest',
  z.strictObject(
    {
      email: emailSchema,
      name: text({ min: 1, minMessage: 'is required', max: 200, maxMessage: 'is too long', required: 'is required' }),
      phone: text({ max: 30 })
        .regex(/^\+?[0-9][0-9 ()-]{6,19}$/, 'must be a phone number such as +44 7700 900123')
        .optional(),
      items: z.array(checkoutItemSchema, { error: 'is required' }).min(1, 'must contain at least one item').max(50, 'must contain at most 50 lines'),
      shippingAddress: addressSchema,
      // Defaulted here so every new order is charged delivery; only orders from before lack it.
      shippingOption: shippingOptionSchema.default('standard'),
    },
    { error: (i) => (i.code === 'unrecognized_keys' ? `not accepted: ${i.keys.join(', ')} (prices and totals come from our catalogue)` : undefined) },
  ),
);
export type CheckoutRequest = z.infer<typeof checkoutRequestSchema>;

export const idempotencyKeySchema = z.string().min(1).max(255, 'must be at most 255 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const orderIdSchema = z.string().regex(/^DY-\d{6}-[0-9A-HJKMNP-TV-Z]{5}$/, 'is not an order number such as DY-261125-7K3QM');

export const moneySchema = z.object({
  currency: z.literal('GBP'),
  subtotalPence: z.number().int(),
  shippingPence: z.number().int(),
  vatPence: z.number().int(),
  totalPence: z.number().int(),
});

export const checkoutResponseSchema = registry.register(
  'CheckoutResponse',
  z.object({
    orderId: z.string(),
    status: z.literal('AWAITING_PAYMENT'),
    totalPence: z.number().int(),
    vatPence: z.number().int(),
    currency: z.literal('GBP'),
    shipping: z.object({
      option: shippingOptionSchema,
      pricePence: z.number().int(),
      promisedDeliveryDate: z.string().nullable().openapi({ description: 'YYYY-MM-DD, counted in working days from dispatch' }),
    }),
    payment: z.object({ paymentIntentId: z.string(), clientSecret: z.string() }),
    trackingToken: z.string(),
  }),
);

export const errorSchema = registry.register(
  'Error',
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  }),
);

/** The order's e-mail typed again: a customer's proof for a change (api/orders/access.ts); compared, never stored. */
export const proofEmailSchema = text({ max: 254, maxMessage: 'is too long' }).optional();

export const cancelRequestSchema = z.object({ note: noteSchema.optional(), email: proofEmailSchema }).strict();

export const parcelSchema = z.strictObject({
  weightGrams: z.number().int('must be whole grams').min(1, 'must be positive').max(30_000, 'must be at most 30 kg'),
  // Which order lines went into the parcel; required as soon as the order ships as more than one.
  lines: z
    .array(z.object({ lineNo: z.number().int('must be a whole number').min(1, 'must be at least 1'), quantity: z.number().int('must be a whole number').min(1, 'must be at least 1') }).strict())
    .min(1, 'must list at least one line')
    .optional(),
});
// `by` and `actor` name the person for machine clients; a staff session names its own member instead.
export const pickedRequestSchema = z.object({ by: actorSchema.optional() }).strict();
export const packedRequestSchema = z
  .object({
    by: actorSchema.optional(),
    parcels: z
      .array(parcelSchema)
      .min(1, 'must list at least one parcel')
      .max(20)
      .refine((ps) => ps.length === 1 || ps.every((p) => p.lines !== undefined), 'must say which lines each parcel holds when there are several'),
  })
  .strict();
export const resolveRequestSchema = z
  .object({ actor: actorSchema.optional(), note: noteSchema.optional() })
  .strict();

// PostgreSQL's timestamptz stops at year 294276 and JavaScript's Date at 275760: a 4-digit year keeps both
// well inside, so an extreme date is the client's mistake (400), not a database error (500).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isoDate = z
  .string()
  .max(40, 'must be an ISO 8601 date such as 2026-11-25')
  .regex(ISO_DATE, { message: 'must be an ISO 8601 date such as 2026-11-25 or 2026-11-25T10:00:00Z', abort: true })
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a calendar date');
export const adminOrderListQuerySchema = z
  .object({
    status: orderStatusSchema.optional(),
    email: emailSchema.optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    attention: z.enum(['true', 'false']).optional(),
    carrier: carrierNameSchema.optional(),
    limit: z.coerce.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
    offset: z.coerce.number().int().min(0, 'must not be negative').max(1_000_000, 'must be at most 1000000').default(0),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from && q.to && Date.parse(q.to) < Date.parse(q.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  });
