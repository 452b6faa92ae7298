import { z } from 'zod';
// Side effect first: api/schemas.ts extends zod with .openapi(), which the schemas below use.
import { actorSchema } from '../schemas';
import { text } from '../../lib/text';

/** SKUs are ours (e.g. DY-HEAVYWEIGHT-TEE-BLACK-M); anything else cannot name one, so it is a 400, not a 404. */
export const skuParamSchema = z.string().trim().min(1, 'is required').max(100, 'is too long').regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a SKU (letters, digits, ".", "_", "-")');

// Shorter than checkout's: the key is stored as the ledger row's ref after "adjustment-" (a 255-character column).
export const adjustmentKeySchema = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const stockAdjustmentRequestSchema = z
  .strictObject({
    delta: z
      .number({ error: 'is required: a whole number of units to add (positive) or remove (negative)' })
      .int('must be a whole number')
      .min(-100_000, 'must be at least -100000')
      .max(100_000, 'must be at most 100000')
      .refine((n) => n !== 0, 'must not be zero'),
    reason: text({ required: 'is required: why the stock changes (it goes in the ledger)', min: 3, minMessage: 'must say why, in at least 3 characters', max: 200, multiline: true }),
    // Machine clients (the bearer token) name themselves; a staff session is recorded as its member.
    actor: actorSchema.optional(),
  })
  .openapi('StockAdjustmentRequest');

export const priceChangeRequestSchema = z
  .strictObject({
    pricePence: z.number({ error: 'is required: the new price in pence, VAT included' }).int('must be whole pence').min(1, 'must be positive').max(10_000_000, 'must be at most 10000000 (£100,000)'),
    actor: actorSchema.optional(),
  })
  .openapi('PriceChangeRequest');

export const ledgerQuerySchema = z.strictObject({
  limit: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
});

export const ledgerEntrySchema = z
  .object({
    id: z.number().int(),
    kind: z.string().openapi({ description: 'reserve, release, return or adjust' }),
    quantity: z.number().int().openapi({ description: 'signed change to available' }),
    orderId: z.string().nullable(),
    ref: z.string(),
    actor: z.string(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('StockLedgerEntry');

export const stockAdjustmentResponseSchema = z
  .object({
    sku: z.string(),
    available: z.number().int().openapi({ description: 'stock after the adjustment' }),
    replayed: z.boolean().openapi({ description: 'true when this Idempotency-Key had already been applied: nothing changed now' }),
    adjustment: ledgerEntrySchema,
  })
  .openapi('StockAdjustment');

export const priceChangeEntrySchema = z
  .object({ id: z.number().int(), oldPricePence: z.number().int(), newPricePence: z.number().int(), actor: z.string(), createdAt: z.string() })
  .openapi('PriceChange');

export const adminSkuSchema = z
  .object({
    sku: z.string(),
    size: z.string(),
    pricePence: z.number().int(),
    vatRateBasisPoints: z.number().int(),
    available: z.number().int(),
  })
  .openapi('AdminSku');

export const adminCatalogueSchema = z
  .object({
    currency: z.literal('GBP'),
    products: z.array(z.object({ id: z.string(), name: z.string(), colour: z.string(), category: z.string(), skus: z.array(adminSkuSchema) })),
  })
  .openapi('AdminCatalogue');
