/**
 * Pure rules for an order that ships as several parcels: which status the parcels add up to, what the
 * warehouse's parcels hold, and what can still come back. Deterministic, so the workflow may call them.
 */
import type { Parcel, ParcelLine, ShipmentException } from '../shipping/definitions';
import type { AttentionReason, OrderStatus, PackedSignal, PricedLine, ReturnView, ShipmentView } from './definitions';

const isLive = (s: ShipmentView) => s.closedAs === undefined;

/** The order's status from its live parcels; undefined when none is left to deliver (all refunded). */
export function aggregateStatus(shipments: readonly ShipmentView[]): OrderStatus | undefined {
  const live = shipments.filter(isLive);
  if (live.length === 0) return undefined;
  const delivered = live.filter((s) => s.status === 'DELIVERED').length;
  const booked = live.filter((s) => s.trackingNumber).length;
  if (delivered === live.length) return 'DELIVERED';
  if (delivered > 0) return 'PARTIALLY_DELIVERED';
  if (booked === live.length) return 'SHIPPED';
  if (booked > 0) return 'PARTIALLY_SHIPPED';
  return 'PACKED';
}

/**
 * What each packed parcel holds. A single parcel without lines holds the whole order; lines the warehouse
 * did not place anywhere go in the last parcel, so no unit is ever left unshipped.
 */
export function assignParcels(lines: readonly PricedLine[], packed: PackedSignal['parcels']): Parcel[] {
  const left = new Map(lines.map((l) => [l.lineNo, l.quantity]));
  const skuOf = new Map(lines.map((l) => [l.lineNo, l.sku]));
  const parcels: Parcel[] = packed.map((p) => {
    const taken: ParcelLine[] = [];
    for (const l of p.lines ?? []) {
      const quantity = Math.min(l.quantity, left.get(l.lineNo) ?? 0);
      if (quantity <= 0) continue;
      left.set(l.lineNo, (left.get(l.lineNo) ?? 0) - quantity);
      taken.push({ lineNo: l.lineNo, sku: skuOf.get(l.lineNo) as string, quantity });
    }
    return { lines: taken, weightGrams: p.weightGrams };
  });
  const last = parcels[parcels.length - 1];
  for (const [lineNo, quantity] of left) {
    if (quantity <= 0) continue;
    const existing = last.lines.find((l) => l.lineNo === lineNo);
    if (existing) existing.quantity += quantity;
    else last.lines.push({ lineNo, sku: skuOf.get(lineNo) as string, quantity });
  }
  return parcels.filter((p) => p.lines.length > 0);
}

export function attentionReasonOf(e: ShipmentException): AttentionReason {
  return e;
}

export function unitsOf(lines: ReadonlyArray<{ quantity: number }>): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}

/** Delivered units per line, less what is already on its way back (a failed return can be asked again). */
export function returnableQuantities(lines: readonly PricedLine[], shipments: readonly ShipmentView[], returns: readonly ReturnView[]): Map<number, number> {
  const left = new Map<number, number>();
  for (const s of shipments) {
    if (!isLive(s) || s.status !== 'DELIVERED') continue;
    for (const l of s.lines ?? []) left.set(l.lineNo, (left.get(l.lineNo) ?? 0) + l.quantity);
  }
  for (const r of returns) {
    if (r.status === 'FAILED') continue;
    for (const l of r.lines) left.set(l.lineNo, (left.get(l.lineNo) ?? 0) - l.quantity);
  }
  for (const l of lines) if (!left.has(l.lineNo)) left.delete(l.lineNo);
  return left;
}

/** True when, with these returns, every unit the order delivered has come back. */
export function everythingReturned(lines: readonly PricedLine[], returns: readonly ReturnView[]): boolean {
  const back = new Map<number, number>();
  for (const r of returns) {
    if (r.status === 'FAILED') continue;
    for (const l of r.lines) back.set(l.lineNo, (back.get(l.lineNo) ?? 0) + l.quantity);
  }
  return lines.every((l) => (back.get(l.lineNo) ?? 0) >= l.quantity);
}
