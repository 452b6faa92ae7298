import type { Request } from 'express';

/**
 * Warehouse staff (and warehouse-scoped keys) see what picking and packing need: the order, its lines, its
 * parcels and the name a label carries. Not the customer's e-mail, payments, refunds, totals or timeline.
 */
export function warehouseOnly(req: Request): boolean {
  if (req.staff) return req.staff.role === 'warehouse';
  if (req.apiKey) return !req.apiKey.scopes.some((s) => s === 'admin' || s === 'support');
  return false;
}

const WAREHOUSE_ORDER_FIELDS = ['orderId', 'status', 'attentionReason', 'cancelReason', 'name', 'lines', 'shipments', 'shippingOption', 'promisedDeliveryDate', 'carrierChoice', 'source', 'createdAt'] as const;

export function warehouseOrderView<T extends Record<string, unknown>>(order: T): Partial<T> {
  return Object.fromEntries(WAREHOUSE_ORDER_FIELDS.filter((k) => k in order).map((k) => [k, order[k]])) as Partial<T>;
}
