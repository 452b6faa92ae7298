import { rateTableFor } from '../../domain/shipping/rates/loadRateTable';
import { packingLinesForItems } from '../../domain/shipping/rates/orderParcels';
import { ItemTooLargeError } from '../../domain/shipping/rates/planParcels';
import { quoteBasket } from '../../domain/shipping/rates/quoteBasket';
import type { ServiceLevel } from '../../workflows/orders/definitions';
import type { ApiContext } from '../context';
import { HttpError, validationError } from '../errors';

type Item = { sku: string; quantity: number };

/** Unknown SKUs are the client's to fix: named by position, like the checkout names them. */
export async function assertKnownSkus(ctx: ApiContext, items: readonly Item[]): Promise<void> {
  const found = new Set((await ctx.db('skus').whereIn('sku', [...new Set(items.map((i) => i.sku))]).pluck('sku')) as string[]);
  const unknown = items.flatMap((item, i) => (found.has(item.sku) ? [] : [{ field: `items.${i}.sku`, message: `unknown SKU ${item.sku}` }]));
  if (unknown.length > 0) throw validationError(unknown);
}

/** The quote for a basket of known SKUs, through the same packing and pricing the order will be charged by. */
export async function quoteForBasket(ctx: ApiContext, items: readonly Item[], country: string, now = new Date()): Promise<ReturnType<typeof quoteBasket>> {
  const lines = await packingLinesForItems(ctx.db, items);
  try {
    return quoteBasket({ table: rateTableFor(ctx.config), country, lines, now });
  } catch (err) {
    if (err instanceof ItemTooLargeError) {
      throw new HttpError(422, 'CANNOT_SHIP', err.message, { fields: [{ field: `items.${err.lineNo - 1}`, message: err.message }] });
    }
    throw err;
  }
}

/**
 * Refuses a checkout whose service level this destination is not offered, before any workflow starts, so the
 * order activity can treat the same refusal as a bug rather than a customer's choice.
 */
export async function assertShippingOffered(ctx: ApiContext, items: readonly Item[], country: string, level: ServiceLevel): Promise<void> {
  const quote = await quoteForBasket(ctx, items, country);
  if (quote.options.some((o) => o.level === level)) return;
  const why = quote.unavailable.find((u) => u.level === level)?.reason ?? 'not offered';
  const offered = quote.options.map((o) => o.level);
  throw validationError([{ field: 'shippingOption', message: `${level} is not available: ${why}${offered.length ? `; choose ${offered.join(' or ')}` : ''}` }]);
}
