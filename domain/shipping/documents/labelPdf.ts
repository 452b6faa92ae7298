import { z } from 'zod';
import { addressSchema, type Address } from '../carriers/carrier';
import { drawCode128 } from './barcode';
import { fitLine, MM, renderPdf } from './pdf';
import { addressLines, carrierDisplayName, kilograms, pdfText } from './text';
import { WAREHOUSE_PARTY } from './warehouse';

export const SHIPMENT_KINDS = ['outbound', 'return'] as const;
export type ShipmentKind = (typeof SHIPMENT_KINDS)[number];

export const labelInputSchema = z
  .object({
    kind: z.enum(SHIPMENT_KINDS),
    orderNumber: z.string().min(1),
    /** This parcel's place among the order's live parcels of the same kind: "parcel k of n". */
    parcelNo: z.number().int().min(1),
    parcelCount: z.number().int().min(1),
    carrier: z.string().min(1),
    service: z.string().min(1).nullable(),
    // Printable ASCII: what Code 128 set B can carry and what carriers issue.
    trackingNumber: z.string().regex(/^[\x21-\x7e]{4,40}$/, 'must be 4–40 printable ASCII characters'),
    weightGrams: z.number().int().positive(),
    customer: z.object({ name: z.string().trim().min(1), address: addressSchema }),
    /** When the label was issued: printed on it and used as the PDF's CreationDate, so output is reproducible. */
    issuedAt: z.date(),
  })
  .refine((l) => l.parcelNo <= l.parcelCount, { message: 'parcelNo must not exceed parcelCount', path: ['parcelNo'] });
export type LabelInput = z.input<typeof labelInputSchema>;

const WIDTH = 101.6 * MM; // 4 in
const HEIGHT = 152.4 * MM; // 6 in
const PAD = 4 * MM;
const INNER = WIDTH - 2 * PAD;

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc.save().moveTo(PAD, y).lineTo(WIDTH - PAD, y).lineWidth(1).stroke('black').restore();
}

function party(doc: PDFKit.PDFDocument, title: string, who: { name: string; address: Address }, y: number, big: boolean): number {
  doc.font('Helvetica-Bold').fontSize(7).text(title, PAD, y, { lineBreak: false });
  y += 9;
  const nameSize = big ? 14 : 9;
  fitLine(doc, pdfText(who.name), { x: PAD, y, width: INNER, font: 'Helvetica-Bold', size: nameSize, minSize: nameSize - 4 });
  y += nameSize + 3;
  const lines = addressLines(who.address).map(pdfText);
  const lineSize = big ? 12 : 8;
  lines.forEach((line, i) => {
    // Postcode and country are what sorting offices read first: bolder and larger on the recipient block.
    const emphasised = big && i >= lines.length - 2;
    const size = emphasised ? lineSize + 4 : lineSize;
    fitLine(doc, line, { x: PAD, y, width: INNER, font: emphasised ? 'Helvetica-Bold' : 'Helvetica', size, minSize: size - 4 });
    y += size + 2;
  });
  return y;
}

/**
 * A 4×6 in thermal label. Outbound parcels go from the warehouse to the customer; a return label is the
 * same parcel the other way, so sender and recipient swap.
 */
export async function labelPdf(input: LabelInput): Promise<Buffer> {
  const label = labelInputSchema.parse(input);
  const customer = { name: label.customer.name, address: label.customer.address };
  const [from, to] = label.kind === 'return' ? [customer, WAREHOUSE_PARTY] : [WAREHOUSE_PARTY, customer];
  const title = `${label.kind === 'return' ? 'Return label' : 'Shipping label'} ${label.orderNumber} parcel ${label.parcelNo} of ${label.parcelCount}`;

  return renderPdf(
    {
      size: [WIDTH, HEIGHT],
      margin: 0,
      info: { Title: title, Author: 'DY Official', Subject: label.trackingNumber, Creator: 'DY Orders', Producer: 'DY Orders', CreationDate: label.issuedAt, ModDate: label.issuedAt },
    },
    (doc) => {
      let y = PAD;
      if (label.kind === 'return') {
        // The warehouse sorts incoming parcels by sight: a return must not look like misrouted outbound.
        doc.rect(0, 0, WIDTH, 22).fill('black');
        doc.fillColor('white').font('Helvetica-Bold').fontSize(14).text('RETURN', 0, 5, { width: WIDTH, align: 'center', lineBreak: false });
        doc.fillColor('black');
        y = 22 + PAD;
      }

      const headerWidth = INNER * 0.6;
      fitLine(doc, pdfText(carrierDisplayName(label.carrier)), { x: PAD, y, width: headerWidth, font: 'Helvetica-Bold', size: 16, minSize: 10 });
      fitLine(doc, pdfText(label.service ?? ''), { x: PAD, y: y + 19, width: headerWidth, font: 'Helvetica', size: 10, minSize: 7 });
      fitLine(doc, `PARCEL ${label.parcelNo} OF ${label.parcelCount}`, { x: PAD + headerWidth, y, width: INNER - headerWidth, font: 'Helvetica-Bold', size: 12, minSize: 8, align: 'right' });
      fitLine(doc, kilograms(label.weightGrams), { x: PAD + headerWidth, y: y + 19, width: INNER - headerWidth, font: 'Helvetica', size: 10, align: 'right' });
      y += 34;
      rule(doc, y);

      y = party(doc, 'FROM', from, y + 4, false) + 2;
      rule(doc, y);
      y = party(doc, 'TO', to, y + 4, true) + 2;
      rule(doc, y);

      fitLine(doc, `Order ${label.orderNumber}`, { x: PAD, y: y + 5, width: INNER, font: 'Helvetica-Bold', size: 11, minSize: 8 });
      y += 22;
      rule(doc, y);

      // The barcode takes what is left above the human-readable line, up to an inch tall.
      const textHeight = 16;
      const bottom = HEIGHT - PAD;
      const barHeight = Math.min(25.4 * MM, bottom - textHeight - (y + 8) - 4);
      drawCode128(doc, label.trackingNumber, { x: PAD, y: y + 8, width: INNER, height: barHeight, maxModule: 0.5 * MM });
      fitLine(doc, label.trackingNumber, { x: PAD, y: y + 8 + barHeight + 4, width: INNER, font: 'Helvetica-Bold', size: 13, minSize: 8, align: 'center' });
    },
  );
}
