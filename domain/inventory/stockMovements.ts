import type { Knex } from 'knex';
import type { Db } from '../../db/connection';

/**
 * Every movement of stock, in one place. `skus.available` only ever changes here, and always in the same
 * transaction as the `stock_ledger` row that explains it. The ledger is unique on (order, SKU, kind, ref):
 * that key is what makes a retried activity, a replayed workflow or a repeated admin request move stock once.
 *
 * | movement   | kind    | ref                             | quantity | by                                   |
 * |------------|---------|---------------------------------|----------|--------------------------------------|
 * | reserve    | reserve | `reservation`                   | −units   | checkout (order workflow)            |
 * | release    | release | `reservation` (what it undoes)  | +units   | cancellation, failed or late payment |
 * | reship     | reserve | `shipment-<n>` (the new parcel) | −units   | an admin reships a parcel            |
 * | return     | return  | `return-<n>`                    | +units   | a customer's return arrives          |
 * | adjustment | adjust  | `adjustment-<key>`, no order    | ±units   | an admin's stock adjustment (API)    |
 *
 * Rows of one SKU are locked in SKU order, so two movements never deadlock and never both take the last unit.
 */

export interface ShortLine {
  sku: string;
  requested: number;
  available: number;
}

export type ReservationResult = { ok: true; alreadyApplied: boolean } | { ok: false; shortLines: ShortLine[] };

type Units = ReadonlyMap<string, number>;

function unitsBySku(lines: ReadonlyArray<{ sku: string; quantity: number }>): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  return bySku;
}

/** Locks the SKUs' rows in SKU order and names the ones that cannot give what is wanted (unknown SKUs count as 0). */
async function shortfall(trx: Knex.Transaction, wanted: Units): Promise<ShortLine[]> {
  const skus = [...wanted.keys()].sort();
  const rows = await trx('skus').whereIn('sku', skus).orderBy('sku').forUpdate().select('sku', 'available');
  const available = new Map(rows.map((r) => [r.sku as string, r.available as number]));
  return skus
    .filter((sku) => (available.get(sku) ?? 0) < (wanted.get(sku) ?? 0))
    .map((sku) => ({ sku, requested: wanted.get(sku) ?? 0, available: available.get(sku) ?? 0 }));
}

/** Takes units that `shortfall` has locked and found available: one ledger row per SKU. */
async function take(trx: Knex.Transaction, orderNumber: string, ref: string, wanted: Units, note: string): Promise<number> {
  let units = 0;
  for (const sku of [...wanted.keys()].sort()) {
    const qty = wanted.get(sku) ?? 0;
    await trx('skus').where({ sku }).decrement('available', qty);
    await trx('stock_ledger').insert({ order_number: orderNumber, sku, kind: 'reserve', ref, quantity: -qty, note });
    units += qty;
  }
  return units;
}

/** Puts units back once per (order, SKU, kind, ref): stock moves only for ledger rows this call inserted. */
async function putBack(trx: Knex.Transaction, row: { orderNumber: string; sku: string; kind: 'release' | 'return'; ref: string; quantity: number; note: string }): Promise<number> {
  const inserted = await trx('stock_ledger')
    .insert({ order_number: row.orderNumber, sku: row.sku, kind: row.kind, ref: row.ref, quantity: row.quantity, note: row.note })
    .onConflict(['order_number', 'sku', 'kind', 'ref'])
    .ignore()
    .returning('id');
  if (inserted.length === 0) return 0;
  await trx('skus').where({ sku: row.sku }).increment('available', row.quantity);
  return row.quantity;
}

/** Reserves every line of the order in one transaction, or nothing when a line is short. */
export async function reserveStock(db: Db, orderNumber: string): Promise<ReservationResult> {
  return db.transaction(async (trx) => {
    const already = await trx('stock_ledger').where({ order_number: orderNumber, kind: 'reserve', ref: 'reservation' }).first('id');
    if (already) return { ok: true, alreadyApplied: true };

    const lines = await trx('order_lines').where({ order_number: orderNumber }).select('sku', 'quantity');
    const wanted = unitsBySku(lines);
    const shortLines = await shortfall(trx, wanted);
    if (shortLines.length > 0) return { ok: false, shortLines };
    await take(trx, orderNumber, 'reservation', wanted, 'checkout');
    return { ok: true, alreadyApplied: false };
  });
}

/** Gives back what the checkout reserved, exactly once: each release row is keyed by the reservation it undoes. */
export async function releaseStock(db: Db, orderNumber: string, reason: string): Promise<{ restoredUnits: number }> {
  return db.transaction(async (trx) => {
    const reserved = await trx('stock_ledger').where({ order_number: orderNumber, kind: 'reserve', ref: 'reservation' }).orderBy('sku').select('sku', 'quantity');
    let restoredUnits = 0;
    for (const r of reserved) {
      restoredUnits += await putBack(trx, { orderNumber, sku: r.sku, kind: 'release', ref: 'reservation', quantity: -r.quantity, note: reason });
    }
    return { restoredUnits };
  });
}

export type ReshipReservation = { ok: true; reservedUnits: number } | { ok: false; shortLines: ShortLine[] };

/**
 * A reship takes the parcel's units from stock again, keyed by the new shipment: never twice, and never
 * into negative stock (the caller tells the admin why).
 */
export async function reserveForReship(db: Db, p: { orderNumber: string; shipmentNo: number; lines: ReadonlyArray<{ sku: string; quantity: number }> }): Promise<ReshipReservation> {
  return db.transaction(async (trx) => {
    const ref = `shipment-${p.shipmentNo}`;
    const already = await trx('stock_ledger').where({ order_number: p.orderNumber, kind: 'reserve', ref }).first('id');
    if (already) return { ok: true, reservedUnits: 0 };
    const wanted = unitsBySku(p.lines);
    const shortLines = await shortfall(trx, wanted);
    if (shortLines.length > 0) return { ok: false, shortLines };
    return { ok: true, reservedUnits: await take(trx, p.orderNumber, ref, wanted, 'RESHIP') };
  });
}

/** Returned units back on the shelf, inside the caller's transaction (which also records the return as received). */
export async function restockReturned(trx: Knex.Transaction, p: { orderNumber: string; returnNo: number; lines: ReadonlyArray<{ sku: string; quantity: number }> }): Promise<{ restoredUnits: number }> {
  const bySku = unitsBySku(p.lines);
  let restoredUnits = 0;
  for (const sku of [...bySku.keys()].sort()) {
    restoredUnits += await putBack(trx, { orderNumber: p.orderNumber, sku, kind: 'return', ref: `return-${p.returnNo}`, quantity: bySku.get(sku) ?? 0, note: 'RETURNED' });
  }
  return { restoredUnits };
}

export interface LedgerRow {
  id: string | number;
  order_number: string | null;
  kind: string;
  ref: string;
  quantity: number;
  actor: string;
  note: string | null;
  created_at: Date | string;
}

export const LEDGER_COLUMNS = ['id', 'order_number', 'kind', 'ref', 'quantity', 'actor', 'note', 'created_at'];

export type AdjustmentOutcome =
  | { kind: 'applied'; available: number; row: LedgerRow }
  | { kind: 'replayed'; available: number; row: LedgerRow }
  /** The ref was used before for a different change. */
  | { kind: 'conflict'; earlier: LedgerRow }
  | { kind: 'insufficient'; available: number }
  | { kind: 'unknown-sku' };

/**
 * An admin's correction (count, damage, delivery from the maker): no order, keyed by the request's ref.
 * The same ref again answers the earlier row after waiting for the same lock, instead of moving stock again.
 */
export async function adjustStock(db: Db, p: { sku: string; ref: string; delta: number; actor: string; reason: string }): Promise<AdjustmentOutcome> {
  return db.transaction(async (trx): Promise<AdjustmentOutcome> => {
    const current = await trx('skus').where({ sku: p.sku }).forUpdate().first('sku', 'available');
    if (!current) return { kind: 'unknown-sku' };
    const earlier: LedgerRow | undefined = await trx('stock_ledger').whereNull('order_number').andWhere({ sku: p.sku, kind: 'adjust', ref: p.ref }).first(LEDGER_COLUMNS);
    if (earlier) {
      if (earlier.quantity !== p.delta || earlier.note !== p.reason) return { kind: 'conflict', earlier };
      return { kind: 'replayed', available: current.available, row: earlier };
    }
    const available = current.available + p.delta;
    if (available < 0) return { kind: 'insufficient', available: current.available };
    const [row] = await trx('stock_ledger').insert({ order_number: null, sku: p.sku, kind: 'adjust', ref: p.ref, quantity: p.delta, actor: p.actor, note: p.reason }).returning(LEDGER_COLUMNS);
    await trx('skus').where({ sku: p.sku }).update({ available });
    return { kind: 'applied', available, row: row as LedgerRow };
  });
}
