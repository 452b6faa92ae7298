import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import { reserveForReship as reserveReshipStock, restockReturned } from '../../domain/inventory/stockMovements';
import type { ParcelLine } from '../../workflows/shipping/definitions';

export async function recordReturn(db: Db, p: { orderNumber: string; returnNo: number; lines: ParcelLine[]; reason: string }): Promise<void> {
  await db('returns')
    .insert({ order_number: p.orderNumber, return_no: p.returnNo, lines: JSON.stringify(p.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity }))), reason: p.reason, status: 'REQUESTED' })
    .onConflict(['order_number', 'return_no'])
    .ignore();
}

/** Restocks and marks the return received in one transaction, so a received return always has its stock back. */
export async function restockReturn(db: Db, p: { orderNumber: string; returnNo: number; lines: ParcelLine[] }): Promise<{ restoredUnits: number }> {
  return db.transaction(async (trx) => {
    const restored = await restockReturned(trx, p);
    await trx('returns').where({ order_number: p.orderNumber, return_no: p.returnNo }).update({ status: 'RECEIVED' });
    return restored;
  });
}

export async function completeReturn(db: Db, p: { orderNumber: string; returnNo: number; refundPence: number }): Promise<void> {
  await db('returns').where({ order_number: p.orderNumber, return_no: p.returnNo }).update({ status: 'REFUNDED', refund_pence: p.refundPence, completed_at: db.fn.now() });
}

/** The admin hears why a reship cannot go out, and the order stays with them: retrying cannot add stock. */
export async function reserveForReship(db: Db, p: { orderNumber: string; shipmentNo: number; lines: ParcelLine[] }): Promise<{ reservedUnits: number }> {
  const outcome = await reserveReshipStock(db, p);
  if (!outcome.ok) {
    throw ApplicationFailure.nonRetryable(`not enough stock to reship: ${outcome.shortLines.map((s) => `${s.sku} has ${s.available}`).join(', ')}`, 'OutOfStock');
  }
  return { reservedUnits: outcome.reservedUnits };
}
