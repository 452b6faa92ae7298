import type { Request } from 'express';
import { msOf, unpaidHold } from '../../lib/config';
import type { ApiContext } from '../context';
import { HttpError, validationError } from '../errors';
import type { CheckoutRequest } from '../schemas';
import { clientKey } from '../security/rateLimits';

/** Statuses in which an order still holds stock without having been paid for. */
const UNPAID_STATUSES = ['PENDING', 'AWAITING_PAYMENT'];

/**
 * One checkout must not hold a SKU's whole stock: units of each SKU (lines of the same SKU added up) are
 * capped, and the first line over the cap is named.
 */
export function assertUnitsPerLine(ctx: ApiContext, body: CheckoutRequest): void {
  const max = ctx.config.CHECKOUT_MAX_UNITS_PER_LINE;
  const units = new Map<string, number>();
  const problems: Array<{ field: string; message: string }> = [];
  body.items.forEach((item, i) => {
    const total = (units.get(item.sku) ?? 0) + item.quantity;
    units.set(item.sku, total);
    if (total > max && !problems.some((p) => p.message.includes(item.sku))) {
      problems.push({ field: `items.${i}.quantity`, message: `must be at most ${max} units of ${item.sku} per order (CHECKOUT_MAX_UNITS_PER_LINE)` });
    }
  });
  if (problems.length > 0) throw validationError(problems);
}

export interface UnpaidClaim {
  /** Ties the claim to the order it became, so it stops counting once that order is paid or closed. */
  attach(orderNumber: string): Promise<void>;
  /** The checkout reserved nothing (out of stock, payment down, an error): the slot is free again. */
  release(): Promise<void>;
}

/**
 * Takes one of the client's UNPAID_ORDERS_PER_CLIENT slots, or refuses with 429. The count and the insert
 * run under a transaction-scoped advisory lock on the client's key, so parallel checkouts from one client
 * are counted one after another and never all pass. A claim counts while its order is unknown (the
 * workflow is starting) or unpaid, and for at most the hold plus a margin, so a lost order frees its slot.
 */
export async function claimUnpaidSlot(ctx: ApiContext, req: Request): Promise<UnpaidClaim> {
  const key = clientKey(req);
  const limit = ctx.config.UNPAID_ORDERS_PER_CLIENT;
  const horizon = new Date(Date.now() - msOf(unpaidHold(ctx.config)) - 60_000);
  const id = await ctx.db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`unpaid:${key}`]);
    await trx('unpaid_claims').where('client_key', key).andWhere('created_at', '<=', horizon).delete();
    const [{ n }] = await trx('unpaid_claims as c')
      .leftJoin('orders as o', 'o.order_number', 'c.order_number')
      .where('c.client_key', key)
      .andWhere('c.created_at', '>', horizon)
      .andWhere((q) => q.whereNull('c.order_number').orWhereNull('o.order_number').orWhereIn('o.status', UNPAID_STATUSES))
      .count({ n: '*' });
    if (Number(n) >= limit) {
      throw new HttpError(
        429,
        'TOO_MANY_UNPAID_ORDERS',
        `at most ${limit} orders awaiting payment per client (UNPAID_ORDERS_PER_CLIENT); pay for one or let it expire first`,
        { limit },
      );
    }
    const [row] = await trx('unpaid_claims').insert({ client_key: key }).returning('id');
    return Number(row.id);
  });
  return {
    attach: async (orderNumber) => {
      await ctx.db('unpaid_claims').where({ id }).update({ order_number: orderNumber });
    },
    release: async () => {
      await ctx.db('unpaid_claims').where({ id }).delete();
    },
  };
}
