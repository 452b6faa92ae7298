import type { Db } from '../../db/connection';
import type { ShortLine } from '../../workflows/orders/definitions';

export type ReservationResult = { ok: true; alreadyApplied: boolean } | { ok: false; shortLines: ShortLine[] };

/**
 * Reserves every line of the order in one transaction. Rows are locked in SKU order, so two checkouts
 * never deadlock and never both take the last unit. The ledger's unique step key makes a retry a no-op.
 */
export async function reserveStock(db: Db, orderNumber: string): Promise<ReservationResult> {
  return db.transaction(async (trx) => {
    const already = await trx('stock_ledger').where({ order_number: orderNumber, kind: 'reserve', ref: 'reservation' }).first('id');
    if (already) return { ok: true, alreadyApplied: true };

    const lines = await trx('order_lines').where({ order_number: orderNumber }).select('sku', 'quantity');
    const wanted = new Map<string, number>();
    for (const l of lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + l.quantity);
    const skus = [...wanted.keys()].sort();
    const rows = await trx('skus').whereIn('sku', skus).orderBy('sku').forUpdate().select('sku', 'available');
    const available = new Map(rows.map((r) => [r.sku as string, r.available as number]));
    const shortLines = skus
      .filter((sku) => (available.get(sku) ?? 0) < (wanted.get(sku) ?? 0))
      .map((sku) => ({ sku, requested: wanted.get(sku) ?? 0, available: available.get(sku) ?? 0 }));
    if (shortLines.length > 0) return { ok: false, shortLines };

    for (const sku of skus) {
      const qty = wanted.get(sku) ?? 0;
      await trx('skus').where({ sku }).decrement('available', qty);
      await trx('stock_ledger').insert({ order_number: orderNumber, sku, kind: 'reserve', ref: 'reservation', quantity: -qty, note: 'checkout' });
    }
    return { ok: true, alreadyApplied: false };
  });
}

/**
 * Gives back what a step reserved, exactly once: each release row is keyed by the reservation it undoes,
 * and stock moves only for rows this call inserted.
 */
export async function releaseStock(db: Db, orderNumber: string, reason: string): Promise<{ restoredUnits: number }> {
  return db.transaction(async (trx) => {
    const reserved = await trx('stock_ledger').where({ order_number: orderNumber, kind: 'reserve', ref: 'reservation' }).orderBy('sku').select('sku', 'quantity');
    let restoredUnits = 0;
    for (const r of reserved) {
      const inserted = await trx('stock_ledger')
        .insert({ order_number: orderNumber, sku: r.sku, kind: 'release', ref: 'reservation', quantity: -r.quantity, note: reason })
        .onConflict(['order_number', 'sku', 'kind', 'ref'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) continue;
      await trx('skus').where({ sku: r.sku }).increment('available', -r.quantity);
      restoredUnits += -r.quantity;
    }
    return { restoredUnits };
  });
}
