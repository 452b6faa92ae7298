import { z } from 'zod';
import { addressSchema } from '../../domain/shipping/carriers/carrier';
import { SHIPPING_ZONES } from '../../domain/shipping/rates/zones';
import { checkoutItemSchema, errorSchema, registry, shippingOptionSchema } from '../schemas';

export const quoteRequestSchema = registry.register(
  'ShippingQuoteRequest',
  z
    .strictObject({
      items: z.array(checkoutItemSchema, { error: 'is required' }).min(1, 'must contain at least one item').max(50, 'must contain at most 50 lines'),
      country: z
        .string()
        .trim()
        .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as GB')
        .transform((c) => c.toUpperCase())
        .optional(),
      // The storefront can send the checkout's address as it is; only its country matters for a quote.
      shippingAddress: addressSchema.optional(),
    })
    .superRefine((body, ctx) => {
      if (!body.country && !body.shippingAddress) ctx.addIssue({ code: 'custom', path: ['country'], message: 'is required (or give shippingAddress)' });
      if (body.country && body.shippingAddress && body.country !== body.shippingAddress.country) {
        ctx.addIssue({ code: 'custom', path: ['country'], message: `does not match shippingAddress.country (${body.shippingAddress.country})` });
      }
    }),
);
export type QuoteRequest = z.infer<typeof quoteRequestSchema>;

const parcelLineSchema = z.object({ lineNo: z.number().int(), sku: z.string(), quantity: z.number().int() });

export const quoteResponseSchema = registry.register(
  'ShippingQuote',
  z.object({
    country: z.string(),
    zone: z.enum(SHIPPING_ZONES),
    currency: z.literal('GBP'),
    parcels: z.array(z.object({ weightGrams: z.number().int(), lines: z.array(parcelLineSchema) })),
    options: z.array(
      z.object({
        level: shippingOptionSchema,
        pricePence: z.number().int(),
        currency: z.literal('GBP'),
        promisedDate: z.string().openapi({ description: 'YYYY-MM-DD: delivery by this day, counted in working days from dispatch (orders after the cut-off leave the next working day)' }),
        carrier: z.string(),
        service: z.string(),
      }),
    ),
    unavailable: z.array(z.object({ level: shippingOptionSchema, reason: z.string() })),
  }),
);

const problem = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });
registry.registerPath({
  method: 'post',
  path: '/api/shipping/quotes',
  summary: 'Delivery options for a basket to a country: each service level with its price (pence, VAT included) and promised date; levels not offered there are listed with the reason',
  request: { body: { content: { 'application/json': { schema: quoteRequestSchema } } } },
  responses: {
    200: { description: 'options', content: { 'application/json': { schema: quoteResponseSchema } } },
    400: problem('a field is invalid (each named), or a SKU is unknown'),
    422: problem('an item is too big or heavy for any carrier (the line named)'),
  },
});
