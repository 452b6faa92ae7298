import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import type { ParcelLine } from '../../workflows/shipping/definitions';

export async function recordReturn(db: Db, p: { orderNumber: string; returnNo: number; lines: ParcelLine[]; reason: string }): Promise<void> {
  await db('returns')
    .insert({ order_number: p.orderNumber, return_no: p.returnNo, lines: JSON.stringify(p.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity }))), reason: p.reason, status: 'REQUESTED' })
    .onConflict(['order_number', 'return_no'])
    .ignore();
}

/**
 * Puts returned units back on the shelf exactly once: each ledger row is keyed by the return, and stock
 * moves only for rows this call inserted, so a retried activity or a replayed workflow adds nothing.
 */
export async function restockReturn(db: Db, p: { orderNumber: string; returnNo: number; lines: ParcelLine[] }): Promise<{ restoredUnits: number }> {
  return db.transaction(async (trx) => {
    const bySku = new Map<string, number>();
    for (const l of p.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
    let restoredUnits = 0;
    for (const sku of [...bySku.keys()].sort()) {
      const quantity = bySku.get(sku) ?? 0;
      const inserted = await trx('stock_ledger')
        .insert({ order_number: p.orderNumber, sku, kind: 'return', ref: `return-${p.returnNo}`, quantity, note: 'RETURNED' })
        .onConflict(['order_number', 'sku', 'kind', 'ref'])
        .ignore()
        .returning('id');
      if (inserted.length === 0) continue;
      await trx('skus').where({ sku }).increment('available', quantity);
      restoredUnits += quantity;
    }
    await trx('returns').where({ order_number: p.orderNumber, return_no: p.returnNo }).update({ status: 'RECEIVED' });
    return { restoredUnits };
  });
}

export async function completeReturn(db: Db, p: { orderNumber: string; returnNo: number; refundPence: number }): Promise<void> {
  await db('returns').where({ order_number: p.orderNumber, return_no: p.returnNo }).update({ status: 'REFUNDED', refund_pence: p.refundPence, completed_at: db.fn.now() });
}

/**
 * A reship takes the parcel's units from stock again, keyed by the new shipment: never twice, and never
 * into negative stock (then the admin hears why and the order stays with them).
 */
export async function reserveForReship(db: Db, p: { orderNumber: string; shipmentNo: number; lines: ParcelLine[] }): Promise<{ reservedUnits: number }> {
  return db.transaction(async (trx) => {
    const ref = `shipment-${p.shipmentNo}`;
    const already = await trx('stock_ledger').where({ order_number: p.orderNumber, kind: 'reserve', ref }).first('id');
    if (already) return { reservedUnits: 0 };
    const bySku = new Map<string, number>();
    for (const l of p.lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
    const skus = [...bySku.keys()].sort();
    const rows = await trx('skus').whereIn('sku', skus).orderBy('sku').forUpdate().select('sku', 'available');
    const short = rows.filter((r) => r.available < (bySku.get(r.sku) ?? 0));
    if (short.length > 0 || rows.length !== skus.length) {
      throw ApplicationFailure.nonRetryable(`not enough stock to reship: ${short.map((r) => `${r.sku} has ${r.available}`).join(', ') || 'unknown SKU'}`, 'OutOfStock');
    }
    let reservedUnits = 0;
    for (const sku of skus) {
      const qty = bySku.get(sku) ?? 0;
      await trx('skus').where({ sku }).decrement('available', qty);
      await trx('stock_ledger').insert({ order_number: p.orderNumber, sku, kind: 'reserve', ref, quantity: -qty, note: 'RESHIP' });
      reservedUnits += qty;
    }
    return { reservedUnits };
  });
}
