import type { Db } from '../../../db/connection';
import { type PackingLine, type Parcel, planParcels } from './planParcels';
import type { ParcelLimits } from './rateTable';

interface ProductSizeRow {
  sku: string;
  weight_grams: number;
  length_mm: number;
  width_mm: number;
  height_mm: number;
}

const packingLine = (lineNo: number, quantity: number, row: ProductSizeRow): PackingLine => ({
  lineNo,
  sku: row.sku,
  quantity,
  weightGrams: row.weight_grams,
  lengthMm: row.length_mm,
  widthMm: row.width_mm,
  heightMm: row.height_mm,
});

/** A basket (checkout, quote) as packing lines, numbered as the order will number them (1, 2, …). */
export async function packingLinesForItems(db: Db, items: ReadonlyArray<{ sku: string; quantity: number }>): Promise<PackingLine[]> {
  const rows: ProductSizeRow[] = await db('skus')
    .join('products', 'products.id', 'skus.product_id')
    .whereIn('skus.sku', [...new Set(items.map((i) => i.sku))])
    .select('skus.sku', 'products.weight_grams', 'products.length_mm', 'products.width_mm', 'products.height_mm');
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  return items.map((item, i) => {
    const row = bySku.get(item.sku);
    if (!row) throw new Error(`unknown SKU ${item.sku}`);
    return packingLine(i + 1, item.quantity, row);
  });
}

/** An order's lines with today's product weights and sizes. */
export async function packingLinesForOrder(db: Db, orderNumber: string): Promise<PackingLine[]> {
  const rows: Array<ProductSizeRow & { line_no: number; quantity: number }> = await db('order_lines')
    .join('skus', 'skus.sku', 'order_lines.sku')
    .join('products', 'products.id', 'skus.product_id')
    .where('order_lines.order_number', orderNumber)
    .orderBy('order_lines.line_no')
    .select('order_lines.line_no', 'order_lines.quantity', 'skus.sku', 'products.weight_grams', 'products.length_mm', 'products.width_mm', 'products.height_mm');
  return rows.map((r) => packingLine(r.line_no, r.quantity, r));
}

/** The parcels an order packs into within `limits` (see packingLimits). */
export async function orderParcels(db: Db, orderNumber: string, limits: ParcelLimits): Promise<Parcel[]> {
  const lines = await packingLinesForOrder(db, orderNumber);
  if (lines.length === 0) throw new Error(`order ${orderNumber} has no lines`);
  return planParcels(lines, limits);
}
