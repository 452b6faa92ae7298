import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { drawCode128 } from './barcode';
import { fitLine, renderPdf } from './pdf';
import { kilograms, pdfText, serviceLevelDisplayName, ukDateTime } from './text';

export const parcelLineSchema = z.object({ lineNo: z.number().int().min(1), sku: z.string().min(1), quantity: z.number().int().min(1) });

/** A suggested parcel: which order lines (and how many of each) go in it, and what it should weigh. */
export const plannedParcelSchema = z.object({ lines: z.array(parcelLineSchema).min(1), weightGrams: z.number().int().positive() });
export type PlannedParcel = z.infer<typeof plannedParcelSchema>;

export const pickingOrderSchema = z.object({
  orderNumber: z.string().min(1),
  status: z.string().min(1),
  createdAt: z.date(),
  customerName: z.string(),
  serviceLevel: z.string().nullable(),
  lines: z.array(z.object({ lineNo: z.number().int(), sku: z.string(), productName: z.string(), size: z.string(), quantity: z.number().int().min(1) })),
  /** Omitted or empty: no split to suggest, and none is printed. */
  parcels: z.array(plannedParcelSchema).optional(),
  /** Where the split came from: the workflow's plan, or our one-parcel default. */
  splitSource: z.enum(['planned', 'default']).optional(),
});
export type PickingOrder = z.infer<typeof pickingOrderSchema>;

export interface PickingListOptions {
  /** Printed in the footer and used as CreationDate; defaults to the newest order's date so output is reproducible. */
  generatedAt?: Date;
}

function generatedAt(orders: PickingOrder[], opts: PickingListOptions): Date {
  if (opts.generatedAt) return opts.generatedAt;
  const newest = Math.max(0, ...orders.map((o) => o.createdAt.getTime()));
  return new Date(newest);
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 40;
const CONTENT = A4[0] - 2 * MARGIN;
const FOOTER_Y = A4[1] - MARGIN + 10;
const BOTTOM = A4[1] - MARGIN - 10;

const COLUMNS = [
  { title: 'Line', width: 34, align: 'left' as const },
  { title: 'SKU', width: 160, align: 'left' as const },
  { title: 'Product', width: 190, align: 'left' as const },
  { title: 'Size', width: 50, align: 'left' as const },
  { title: 'Qty', width: 40, align: 'right' as const },
  { title: 'Picked', width: CONTENT - 34 - 160 - 190 - 50 - 40, align: 'center' as const },
];

function parcelSummary(parcel: PlannedParcel, order: PickingOrder): string {
  return parcel.lines
    .map((pl) => {
      const line = order.lines.find((l) => l.lineNo === pl.lineNo);
      return `line ${pl.lineNo} ${pl.sku}${line ? ` (${line.size})` : ''} x${pl.quantity}`;
    })
    .join(', ');
}

function drawOrderPage(doc: PDFKit.PDFDocument, order: PickingOrder, position: { index: number; count: number }, printedAt: Date): void {
  let page = 1;
  const footer = () => {
    const where = position.count > 1 ? `order ${position.index} of ${position.count}, ` : '';
    doc.font('Helvetica').fontSize(8).fillColor('#444').text(`DY Official picking list - ${order.orderNumber} - ${where}page ${page} - printed ${ukDateTime(printedAt)} UK time`, MARGIN, FOOTER_Y, { width: CONTENT, lineBreak: false });
    doc.fillColor('black');
  };
  const tableHeader = (y: number): number => {
    let x = MARGIN;
    doc.font('Helvetica-Bold').fontSize(9);
    for (const c of COLUMNS) {
      doc.text(c.title, x + 2, y, { width: c.width - 4, align: c.align, lineBreak: false });
      x += c.width;
    }
    doc.save().moveTo(MARGIN, y + 13).lineTo(MARGIN + CONTENT, y + 13).lineWidth(0.8).stroke().restore();
    return y + 18;
  };
  // A long order runs onto further pages, each naming the order so a loose sheet still finds its tote.
  const continuePage = (): number => {
    footer();
    doc.addPage();
    page += 1;
    fitLine(doc, `${order.orderNumber} (continued)`, { x: MARGIN, y: MARGIN, width: CONTENT, font: 'Helvetica-Bold', size: 14 });
    return MARGIN + 26;
  };

  doc.font('Helvetica-Bold').fontSize(10).text('PICKING LIST', MARGIN, MARGIN, { lineBreak: false });
  fitLine(doc, order.orderNumber, { x: MARGIN, y: MARGIN + 14, width: 260, font: 'Helvetica-Bold', size: 22, minSize: 14 });
  // Scanning the order number at the packing bench opens the right order without typing it.
  drawCode128(doc, order.orderNumber, { x: MARGIN + CONTENT - 240, y: MARGIN, width: 240, height: 44, maxModule: 1.2 });

  const facts: Array<[string, string]> = [
    ['Order date', `${ukDateTime(order.createdAt)} UK time`],
    ['Customer', pdfText(order.customerName)],
    ['Service level', serviceLevelDisplayName(order.serviceLevel)],
    ['Status', order.status],
    ['Items', String(order.lines.reduce((n, l) => n + l.quantity, 0))],
  ];
  let y = MARGIN + 58;
  for (const [k, v] of facts) {
    doc.font('Helvetica-Bold').fontSize(10).text(k, MARGIN, y, { lineBreak: false });
    fitLine(doc, v, { x: MARGIN + 90, y, width: CONTENT - 90, font: 'Helvetica', size: 10, minSize: 7 });
    y += 15;
  }
  y += 10;
  y = tableHeader(y);

  for (const line of order.lines) {
    const row = [String(line.lineNo), pdfText(line.sku), pdfText(line.productName), pdfText(line.size), String(line.quantity)];
    const productHeight = doc.font('Helvetica').fontSize(10).heightOfString(row[2], { width: COLUMNS[2].width - 4 });
    const height = Math.max(20, productHeight + 8);
    if (y + height > BOTTOM) y = tableHeader(continuePage());
    let x = MARGIN;
    row.forEach((cell, i) => {
      const c = COLUMNS[i];
      if (i === 2) doc.font('Helvetica').fontSize(10).text(cell, x + 2, y + 4, { width: c.width - 4 });
      else fitLine(doc, cell, { x: x + 2, y: y + 4, width: c.width - 4, font: i === 4 ? 'Helvetica-Bold' : 'Helvetica', size: i === 4 ? 12 : 10, minSize: 7, align: c.align });
      x += c.width;
    });
    doc.save().rect(x + COLUMNS[5].width / 2 - 5, y + 4, 10, 10).lineWidth(0.8).stroke().restore();
    doc.save().moveTo(MARGIN, y + height).lineTo(MARGIN + CONTENT, y + height).lineWidth(0.3).stroke('#999').restore();
    y += height;
  }

  const parcels = order.parcels ?? [];
  if (parcels.length > 0) {
    if (y + 40 > BOTTOM) y = continuePage();
    y += 16;
    const source = order.splitSource === 'default' ? ' (no split planned: everything in one parcel)' : '';
    doc.font('Helvetica-Bold').fontSize(11).text(`Suggested parcels${source}`, MARGIN, y, { width: CONTENT, lineBreak: false });
    y += 18;
    parcels.forEach((parcel, i) => {
      const text = `Parcel ${i + 1} of ${parcels.length} - ${kilograms(parcel.weightGrams)}: ${pdfText(parcelSummary(parcel, order))}`;
      const height = doc.font('Helvetica').fontSize(10).heightOfString(text, { width: CONTENT }) + 4;
      if (y + height > BOTTOM) y = continuePage();
      doc.font('Helvetica').fontSize(10).text(text, MARGIN, y, { width: CONTENT });
      y += height;
    });
  }
  footer();
}

/** One order per page (more only when its lines overflow); a batch is the same pages in order, oldest first. */
export async function pickingListPdf(orders: PickingOrder[], opts: PickingListOptions = {}): Promise<Buffer> {
  const parsed = orders.map((o) => pickingOrderSchema.parse(o));
  const printedAt = generatedAt(parsed, opts);
  const title = parsed.length === 1 ? `Picking list ${parsed[0].orderNumber}` : `Picking lists (${parsed.length} orders)`;
  return renderPdf(
    {
      size: A4,
      // Our own BOTTOM decides page breaks; PDFKit's would fire on the footer line and leave blank pages.
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 4 },
      autoFirstPage: false,
      info: { Title: title, Author: 'DY Official', Creator: 'DY Orders', Producer: 'DY Orders', CreationDate: printedAt, ModDate: printedAt },
    },
    (doc) => {
      if (parsed.length === 0) {
        // An empty batch is still a valid document: the warehouse sees "nothing to pick", not a broken file.
        doc.addPage();
        doc.font('Helvetica-Bold').fontSize(18).text('Nothing to pick', MARGIN, MARGIN);
        doc.font('Helvetica').fontSize(10).text(`No orders waiting to be picked at ${ukDateTime(printedAt)} UK time.`, MARGIN, MARGIN + 30);
        return;
      }
      parsed.forEach((order, i) => {
        doc.addPage();
        drawOrderPage(doc, order, { index: i + 1, count: parsed.length }, printedAt);
      });
    },
  );
}

export const PICKING_CSV_COLUMNS = ['order_number', 'order_date', 'status', 'customer_name', 'service_level', 'line_no', 'sku', 'product', 'size', 'quantity', 'suggested_parcel', 'parcel_count'] as const;

/**
 * Excel runs a cell starting with = + - @ as a formula; customer names are typed by customers. A leading
 * apostrophe makes it text again (OWASP's advice for CSV exports).
 */
function cell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Which suggested parcel(s) a line goes in: "2", or "1 (x2); 2 (x1)" when the plan splits the line. */
function parcelsOfLine(order: PickingOrder, lineNo: number): string {
  const parcels = order.parcels ?? [];
  const placed = parcels.flatMap((p, i) => p.lines.filter((l) => l.lineNo === lineNo).map((l) => ({ parcel: i + 1, quantity: l.quantity })));
  const line = order.lines.find((l) => l.lineNo === lineNo);
  if (placed.length === 1 && placed[0].quantity === line?.quantity) return String(placed[0].parcel);
  return placed.map((p) => `${p.parcel} (x${p.quantity})`).join('; ');
}

/** One row per order line with a header row; UTF-8 with a BOM so Excel shows accented names correctly. */
export async function pickingListCsv(orders: PickingOrder[]): Promise<string> {
  const parsed = orders.map((o) => pickingOrderSchema.parse(o));
  const rows = parsed.flatMap((o) =>
    o.lines.map((l) => [
      o.orderNumber,
      o.createdAt.toISOString(),
      o.status,
      cell(o.customerName),
      o.serviceLevel ?? '',
      l.lineNo,
      cell(l.sku),
      cell(l.productName),
      cell(l.size),
      l.quantity,
      parcelsOfLine(o, l.lineNo),
      o.parcels?.length ?? '',
    ]),
  );
  return new Promise((resolve, reject) => {
    stringify(rows, { header: true, columns: [...PICKING_CSV_COLUMNS], bom: true, record_delimiter: 'windows' }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
