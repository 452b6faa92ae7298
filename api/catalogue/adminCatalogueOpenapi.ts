import { z } from 'zod';
import { errorSchema, registry } from '../schemas';
import {
  adminCatalogueSchema,
  adjustmentKeySchema,
  ledgerEntrySchema,
  ledgerQuerySchema,
  priceChangeEntrySchema,
  priceChangeRequestSchema,
  stockAdjustmentRequestSchema,
  stockAdjustmentResponseSchema,
} from './adminCatalogueSchemas';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(errorSchema, description);
const security: Array<Record<string, string[]>> = [{ adminToken: [] }, { staffSession: [] }];
const skuParams = z.object({ sku: z.string().openapi({ example: 'DY-HEAVYWEIGHT-TEE-BLACK-M' }) });
const refused = { 401: err('no admin token and no staff session'), 403: err('signed in without the admin role, or the CSRF token is missing or wrong') };

registry.registerPath({
  method: 'get',
  path: '/api/admin/catalogue',
  security,
  summary: 'Every product with its SKUs: price (pence, VAT included) and available stock. Admin role',
  responses: { 200: json(adminCatalogueSchema, 'the catalogue'), ...refused },
});

registry.registerPath({
  method: 'get',
  path: '/api/admin/skus/{sku}/ledger',
  security,
  summary: "A SKU's stock ledger (every reservation, release, return and adjustment) and its price changes, newest first. Admin role",
  request: { params: skuParams, query: ledgerQuerySchema },
  responses: {
    200: json(z.object({ sku: z.string(), available: z.number().int(), pricePence: z.number().int(), entries: z.array(ledgerEntrySchema), priceChanges: z.array(priceChangeEntrySchema) }), 'the ledger'),
    400: err('bad SKU or limit (field named)'),
    404: err('no such SKU'),
    ...refused,
  },
});

registry.registerPath({
  method: 'post',
  path: '/api/admin/skus/{sku}/stock-adjustments',
  security,
  summary:
    'Adjust stock by `delta` with a `reason`: one transaction locking the SKU, writing a stock_ledger row (kind `adjust`, ref `adjustment-<Idempotency-Key or a uuid>`, actor the staff member, note the reason). Never below zero. The same Idempotency-Key (per SKU) with the same body changes stock once; with another body it is a 422. Admin role',
  request: {
    params: skuParams,
    headers: z.object({ 'Idempotency-Key': adjustmentKeySchema.optional() }),
    body: { content: { 'application/json': { schema: stockAdjustmentRequestSchema } } },
  },
  responses: {
    201: json(stockAdjustmentResponseSchema, 'adjusted'),
    200: json(stockAdjustmentResponseSchema, 'this Idempotency-Key was already applied: the earlier adjustment, nothing changed now (`replayed: true`)'),
    400: err('a field is invalid (each named: delta, reason, actor with the bearer token, Idempotency-Key)'),
    404: err('no such SKU'),
    409: err('INSUFFICIENT_STOCK: the adjustment would take stock below zero; names the SKU and what is available'),
    422: err('IDEMPOTENCY_KEY_REUSED: the key was used for a different adjustment of this SKU'),
    ...refused,
  },
});

registry.registerPath({
  method: 'patch',
  path: '/api/admin/skus/{sku}',
  security,
  summary: "Change a SKU's price (integer pence, VAT included) for new orders; recorded in price_changes with who changed it. Orders already placed keep their price. Admin role",
  request: { params: skuParams, body: { content: { 'application/json': { schema: priceChangeRequestSchema } } } },
  responses: {
    200: json(z.object({ sku: z.string(), pricePence: z.number().int(), previousPricePence: z.number().int(), changed: z.boolean(), change: priceChangeEntrySchema.nullable() }), 'the price now; `changed: false` when it already was that price'),
    400: err('a field is invalid (each named)'),
    404: err('no such SKU'),
    ...refused,
  },
});
