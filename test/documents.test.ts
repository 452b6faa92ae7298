import { randomBytes } from 'node:crypto';
import { labelPdf, pickingListCsv, pickingListPdf, PICKING_CSV_COLUMNS, type LabelInput, type PickingOrder } from '../domain/shipping/documents';
import { issueOrderToken } from '../api/orders/access';
import { newOrderNumber } from '../domain/orders/orderNumbers';
import { openApiDocument } from '../api/openapi';
import { decodeCode128, pdfInfo, pdfText, rasterise } from './helpers/pdfTools';
import { createTestSku, type System, startSystem } from './helpers/system';

const TRACKING = 'DYSD0MIF3K2L9A1B2C3';

const label = (overrides: Partial<LabelInput> = {}): LabelInput => ({
  kind: 'outbound',
  orderNumber: 'DY-261125-7K3QM',
  parcelNo: 1,
  parcelCount: 2,
  carrier: 'royal-mail',
  service: 'Tracked 48',
  trackingNumber: TRACKING,
  weightGrams: 1250,
  customer: { name: 'Alex Morgan', address: { line1: '1 Shoreditch High Street', line2: 'Flat 3', city: 'London', postcode: 'E1 6PQ', country: 'GB' } },
  issuedAt: new Date('2026-11-25T14:03:00Z'),
  ...overrides,
});

describe('shipping label', () => {
  test('is 4×6 inches and its barcode, printed at 300 dpi, scans as the tracking number', async () => {
    const pdf = await labelPdf(label());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await pdfInfo(pdf)).pageSize).toMatch(/^288(\.0+)? x 432(\.0+)? pts/);
    const page = await rasterise(pdf, { dpi: 300 });
    expect([page.width, page.height]).toEqual([1200, 1800]);
    expect(decodeCode128(page)).toBe(TRACKING);
  });

  test('still scans at a 203 dpi thermal printer resolution, for a numeric tracking number and a long one', async () => {
    for (const trackingNumber of ['1234567890123456789012', 'JD014600006281234567GB0042']) {
      const page = await rasterise(await labelPdf(label({ trackingNumber })), { dpi: 203 });
      expect(decodeCode128(page)).toBe(trackingNumber);
    }
  });

  test('names sender, recipient, carrier, service, order, parcel k of n, weight and the tracking number in text', async () => {
    const text = await pdfText(await labelPdf(label()));
    const from = text.indexOf('FROM');
    const to = text.search(/^\s*TO\s*$/m);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    // The warehouse is the sender, the customer the recipient: each under its own heading.
    const fromBlock = text.slice(from, to);
    expect(fromBlock).toContain('DY Official');
    expect(fromBlock).toContain('Unit 4 Meridian Park');
    expect(fromBlock).toContain('LE19 1WZ');
    expect(fromBlock).not.toContain('Alex Morgan');
    expect(text.slice(to)).toContain('Alex Morgan');
    for (const expected of ['Royal Mail', 'Tracked 48', 'PARCEL 1 OF 2', '1.25 kg', 'Order DY-261125-7K3QM', 'Flat 3', 'E1 6PQ', 'UNITED KINGDOM', TRACKING]) expect(text).toContain(expected);
  });

  test('a return label swaps sender and recipient and says RETURN', async () => {
    const text = await pdfText(await labelPdf(label({ kind: 'return', parcelNo: 1, parcelCount: 1 })));
    expect(text).toContain('RETURN');
    const fromAt = text.indexOf('FROM');
    const toAt = text.search(/^\s*TO\s*$/m);
    expect(fromAt).toBeGreaterThanOrEqual(0);
    expect(toAt).toBeGreaterThan(fromAt);
    expect(text.slice(fromAt, toAt)).toContain('Alex Morgan');
    expect(text.slice(fromAt, toAt)).not.toContain('Meridian Park');
    expect(text.slice(toAt)).toContain('Unit 4 Meridian Park');
    expect(text.slice(toAt)).toContain('LE19 1WZ');
  });

  test('the same input gives the same bytes; another issue date gives other bytes', async () => {
    const a = await labelPdf(label());
    const b = await labelPdf(label());
    expect(Buffer.compare(a, b)).toBe(0);
    const c = await labelPdf(label({ issuedAt: new Date('2026-11-26T09:00:00Z') }));
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  test('names a courier can read even when they are not in the label font', async () => {
    const text = await pdfText(await labelPdf(label({ customer: { name: 'Łucja Dvořák-Ñúñez', address: { line1: '5 Rue de la Paix', city: 'Paris', postcode: '75002', country: 'fr' } } })));
    expect(text).toContain('Lucja Dvorák-Ñúñez');
    expect(text).toContain('FRANCE');
  });

  test('refuses input that would print a wrong label', async () => {
    await expect(labelPdf(label({ parcelNo: 3, parcelCount: 2 }))).rejects.toThrow(/parcelNo/);
    await expect(labelPdf(label({ trackingNumber: 'has spaces in it' }))).rejects.toThrow(/trackingNumber/);
  });
});

const pickingOrder = (overrides: Partial<PickingOrder> = {}): PickingOrder => ({
  orderNumber: 'DY-261125-7K3QM',
  status: 'PICKING',
  createdAt: new Date('2026-11-25T10:15:00Z'),
  customerName: 'Alex Morgan',
  serviceLevel: 'express',
  lines: [
    { lineNo: 1, sku: 'DY-HEAVYWEIGHT-TEE-BLACK-M', productName: 'Heavyweight Tee', size: 'M', quantity: 2 },
    { lineNo: 2, sku: 'DY-CARGO-PANT-OLIVE-32', productName: 'Cargo Pant', size: '32', quantity: 3 },
  ],
  parcels: [
    { lines: [{ lineNo: 1, sku: 'DY-HEAVYWEIGHT-TEE-BLACK-M', quantity: 2 }, { lineNo: 2, sku: 'DY-CARGO-PANT-OLIVE-32', quantity: 1 }], weightGrams: 1500 },
    { lines: [{ lineNo: 2, sku: 'DY-CARGO-PANT-OLIVE-32', quantity: 2 }], weightGrams: 1400 },
  ],
  splitSource: 'planned',
  ...overrides,
});

/** Parses our CSV (quoted fields, CRLF) for assertions; the BOM is checked separately. */
function csvRows(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const text = csv.replace(/^\uFEFF/, '');
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('picking list', () => {
  test('PDF: one page per order, each with its lines, suggested parcels and a barcode of the order number', async () => {
    const second = pickingOrder({ orderNumber: 'DY-261125-8M4RN', customerName: 'Sam Patel', serviceLevel: null, parcels: undefined, splitSource: undefined });
    const pdf = await pickingListPdf([pickingOrder(), second], { generatedAt: new Date('2026-11-25T12:00:00Z') });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await pdfInfo(pdf)).pages).toBe(2);
    const text = await pdfText(pdf);
    const [first, other] = text.split('\f');
    for (const expected of ['DY-261125-7K3QM', 'Alex Morgan', 'Express', '25 Nov 2026, 10:15', 'DY-HEAVYWEIGHT-TEE-BLACK-M', 'Heavyweight Tee', 'Cargo Pant', 'Parcel 1 of 2 - 1.50 kg', 'Parcel 2 of 2 - 1.40 kg', 'order 1 of 2']) expect(first).toContain(expected);
    expect(first).not.toContain('Sam Patel');
    expect(first).not.toMatch(/\bBin\b/i);
    expect(other).toContain('DY-261125-8M4RN');
    expect(other).not.toContain('Suggested parcels');
    expect(decodeCode128(await rasterise(pdf, { page: 1, dpi: 200 }))).toBe('DY-261125-7K3QM');
    expect(decodeCode128(await rasterise(pdf, { page: 2, dpi: 200 }))).toBe('DY-261125-8M4RN');
  });

  test('PDF: an order too long for one page continues on the next, naming the order again', async () => {
    const lines = Array.from({ length: 45 }, (_, i) => ({ lineNo: i + 1, sku: `DY-TEE-${i + 1}-M`, productName: `Tee number ${i + 1}`, size: 'M', quantity: 1 }));
    const pdf = await pickingListPdf([pickingOrder({ lines, parcels: undefined })]);
    const pages = (await pdfText(pdf)).split('\f').filter((p) => p.trim());
    expect(pages.length).toBe(2);
    expect(pages[1]).toContain('DY-261125-7K3QM (continued)');
    expect(pages[1]).toContain('DY-TEE-45-M');
  });

  test('PDF: an empty batch is still a readable document', async () => {
    const pdf = await pickingListPdf([], { generatedAt: new Date('2026-11-25T12:00:00Z') });
    expect(await pdfText(pdf)).toContain('Nothing to pick');
  });

  test('CSV: a header row, then one row per order line with the suggested parcel', async () => {
    const csv = await pickingListCsv([pickingOrder(), pickingOrder({ orderNumber: 'DY-261125-8M4RN', customerName: '=HYPERLINK("http://evil")', parcels: undefined })]);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const rows = csvRows(csv);
    expect(rows[0]).toEqual([...PICKING_CSV_COLUMNS]);
    expect(rows.slice(1)).toEqual([
      ['DY-261125-7K3QM', '2026-11-25T10:15:00.000Z', 'PICKING', 'Alex Morgan', 'express', '1', 'DY-HEAVYWEIGHT-TEE-BLACK-M', 'Heavyweight Tee', 'M', '2', '1', '2'],
      ['DY-261125-7K3QM', '2026-11-25T10:15:00.000Z', 'PICKING', 'Alex Morgan', 'express', '2', 'DY-CARGO-PANT-OLIVE-32', 'Cargo Pant', '32', '3', '1 (x1); 2 (x2)', '2'],
      // A spreadsheet must show a customer's "formula" as text, not run it.
      ['DY-261125-8M4RN', '2026-11-25T10:15:00.000Z', 'PICKING', `'=HYPERLINK("http://evil")`, 'express', '1', 'DY-HEAVYWEIGHT-TEE-BLACK-M', 'Heavyweight Tee', 'M', '2', '', ''],
      ['DY-261125-8M4RN', '2026-11-25T10:15:00.000Z', 'PICKING', `'=HYPERLINK("http://evil")`, 'express', '2', 'DY-CARGO-PANT-OLIVE-32', 'Cargo Pant', '32', '3', '', ''],
    ]);
  });
});

describe('warehouse document API', () => {
  let sys: System;
  let admin: Record<string, string>;
  const fetchFile = (path: string, headers: Record<string, string> = {}) => fetch(`${sys.url}${path}`, { headers });
  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());
  /** The download's file name; quoting is the header encoder's choice, not ours. */
  const attachment = (res: Response) => /^attachment; filename="?([^";]+)"?$/.exec(res.headers.get('content-disposition') ?? '')?.[1];

  beforeAll(async () => {
    sys = await startSystem({ name: 'documents', worker: false });
    admin = { Authorization: `Bearer ${sys.ctx.config.ADMIN_API_TOKEN}` };
  });
  afterAll(async () => {
    await sys?.stop();
  });

  /** A paid order as checkout and the workflow leave it: lines priced from the catalogue, VAT included. */
  async function insertOrder(status: string, opts: { createdAt?: Date; planned?: unknown } = {}) {
    const skuA = await createTestSku(sys.ctx, 10, 3500);
    const skuB = await createTestSku(sys.ctx, 10, 6000);
    await sys.ctx.db('products').whereIn('id', [skuA, skuB].map((s) => s.slice(0, -2).toLowerCase())).update({ weight_grams: 450 });
    const orderNumber = newOrderNumber(opts.createdAt);
    const name = `Jordan Reyes ${randomBytes(2).toString('hex')}`;
    await sys.ctx.db('orders').insert({
      order_number: orderNumber,
      workflow_id: `order-${orderNumber}`,
      status,
      email: `jordan-${randomBytes(3).toString('hex')}@example.com`,
      name,
      shipping_address: JSON.stringify({ line1: '22 Deansgate', line2: 'Apartment 5', city: 'Manchester', postcode: 'M3 2BW', country: 'GB' }),
      subtotal_pence: 13000,
      shipping_pence: 0,
      total_pence: 13000,
      vat_pence: 2167,
      payment_intent_id: `pi_${randomBytes(8).toString('hex')}`,
      shipping_option: 'next_day',
      shipping_zone: 'UK',
      created_at: opts.createdAt ?? new Date(),
    });
    await sys.ctx.db('order_lines').insert([
      { order_number: orderNumber, line_no: 1, sku: skuA, product_name: `Heavyweight Tee ${skuA}`, size: 'M', quantity: 2, unit_price_pence: 3500, line_total_pence: 7000, vat_pence: 1167 },
      { order_number: orderNumber, line_no: 2, sku: skuB, product_name: `Cargo Pant ${skuB}`, size: 'M', quantity: 1, unit_price_pence: 6000, line_total_pence: 6000, vat_pence: 1000 },
    ]);
    if (opts.planned) {
      await sys.ctx.db('order_events').insert({ order_number: orderNumber, seq: 1, event_key: 'picking-list-planned', type: 'picking_list_planned', actor: 'system', data: JSON.stringify(opts.planned) });
    }
    return { orderNumber, name, skus: [skuA, skuB] };
  }

  async function insertShipment(orderNumber: string, kind: 'outbound' | 'return', shipmentNo: number, fields: Record<string, unknown> = {}) {
    await sys.ctx.db('shipments').insert({
      order_number: orderNumber,
      kind,
      shipment_no: shipmentNo,
      workflow_id: `${kind === 'return' ? 'return' : 'shipment'}-${orderNumber}-${shipmentNo}`,
      carrier: 'dpd',
      service: 'Next Day',
      status: 'LABEL_PURCHASED',
      weight_grams: 1350,
      lines: JSON.stringify([{ lineNo: 1, sku: 'X', quantity: 2 }]),
      cost_pence: 695,
      booked_at: new Date('2026-11-25T15:30:00Z'),
      ...fields,
    });
  }

  test('an outbound label: 200, a PDF attachment whose barcode scans as the shipment tracking number', async () => {
    const { orderNumber, name } = await insertOrder('SHIPPED');
    const tracking = `DYSD0${randomBytes(4).toString('hex').toUpperCase()}A1B2C3`;
    await insertShipment(orderNumber, 'outbound', 1, { tracking_number: tracking });
    await insertShipment(orderNumber, 'outbound', 2, { tracking_number: `${tracking}X` });
    const res = await fetchFile(`/api/admin/orders/${orderNumber}/shipments/1/label.pdf`, admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(attachment(res)).toBe(`label-${orderNumber}-parcel-1.pdf`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const pdf = await bytes(res);
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    expect(decodeCode128(await rasterise(pdf))).toBe(tracking);
    const text = await pdfText(pdf);
    for (const expected of [name, '22 Deansgate', 'M3 2BW', 'DPD', 'Next Day', 'PARCEL 1 OF 2', '1.35 kg', `Order ${orderNumber}`]) expect(text).toContain(expected);
  });

  test('a label needs the admin token: 401 without it or with a wrong one', async () => {
    const { orderNumber } = await insertOrder('SHIPPED');
    await insertShipment(orderNumber, 'outbound', 1, { tracking_number: 'DYSD0AAAABBBBCCCC12' });
    expect((await fetchFile(`/api/admin/orders/${orderNumber}/shipments/1/label.pdf`)).status).toBe(401);
    expect((await fetchFile(`/api/admin/orders/${orderNumber}/shipments/1/label.pdf`, { Authorization: 'Bearer not-the-admin-token' })).status).toBe(401);
    expect((await fetchFile('/api/admin/picking-lists.pdf')).status).toBe(401);
    expect((await fetchFile('/api/admin/picking-lists.csv')).status).toBe(401);
    expect((await fetchFile(`/api/admin/orders/${orderNumber}/picking-list.pdf`)).status).toBe(401);
  });

  test('404 for an unknown shipment, an unknown order, and a parcel the carrier has not booked yet; 409 for a void label', async () => {
    const { orderNumber } = await insertOrder('PACKED');
    await insertShipment(orderNumber, 'outbound', 1, { status: 'PENDING', booked_at: null });
    await insertShipment(orderNumber, 'outbound', 2, { status: 'CANCELLED', tracking_number: 'DYSD0CANCELLED00001' });

    const unknown = await sys.http.get(`/api/admin/orders/${orderNumber}/shipments/7/label.pdf`, admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'SHIPMENT_NOT_FOUND', message: `order ${orderNumber} has no shipment 7` });

    const pending = await sys.http.get(`/api/admin/orders/${orderNumber}/shipments/1/label.pdf`, admin);
    expect(pending.status).toBe(404);
    expect(pending.body.error.code).toBe('LABEL_NOT_READY');
    expect(pending.body.error.message).toMatch(/no tracking number yet/);

    const noOrder = await sys.http.get(`/api/admin/orders/${newOrderNumber()}/shipments/1/label.pdf`, admin);
    expect(noOrder.status).toBe(404);
    expect(noOrder.body.error.code).toBe('ORDER_NOT_FOUND');

    const noReturn = await sys.http.get(`/api/admin/orders/${orderNumber}/returns/1/label.pdf`, admin);
    expect(noReturn.status).toBe(404);
    expect(noReturn.body.error.code).toBe('RETURN_NOT_FOUND');

    const cancelled = await sys.http.get(`/api/admin/orders/${orderNumber}/shipments/2/label.pdf`, admin);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('LABEL_VOID');

    const bad = await sys.http.get(`/api/admin/orders/${orderNumber}/shipments/first/label.pdf`, admin);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['shipmentNo']);
  });

  test('a return label: the admin gets it, and so does the customer with their tracking token, nobody else', async () => {
    const { orderNumber, name } = await insertOrder('DELIVERED');
    const tracking = `DYSR0${randomBytes(4).toString('hex').toUpperCase()}D4E5F6`;
    await insertShipment(orderNumber, 'outbound', 1, { tracking_number: 'DYSD0OUTBOUND000001', status: 'DELIVERED' });
    await insertShipment(orderNumber, 'return', 1, { tracking_number: tracking, carrier: 'royal-mail', service: 'Tracked Returns 48' });

    const viaAdmin = await fetchFile(`/api/admin/orders/${orderNumber}/returns/1/label.pdf`, admin);
    expect(viaAdmin.status).toBe(200);
    expect(attachment(viaAdmin)).toBe(`return-label-${orderNumber}-1.pdf`);
    const adminPdf = await bytes(viaAdmin);
    expect(decodeCode128(await rasterise(adminPdf))).toBe(tracking);
    const text = await pdfText(adminPdf);
    expect(text).toContain('RETURN');
    expect(text.indexOf(name)).toBeLessThan(text.indexOf('Unit 4 Meridian Park'));

    const token = await issueOrderToken(sys.ctx.db, sys.ctx.config, orderNumber);
    const viaCustomer = await fetchFile(`/api/orders/${orderNumber}/returns/1/label.pdf?token=${token}`);
    expect(viaCustomer.status).toBe(200);
    expect(viaCustomer.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.compare(await bytes(viaCustomer), adminPdf)).toBe(0);
    const viaHeader = await fetchFile(`/api/orders/${orderNumber}/returns/1/label.pdf`, { 'X-Tracking-Token': token });
    expect(viaHeader.status).toBe(200);

    // Another order's token opens this one no more than a made-up one.
    const otherToken = await issueOrderToken(sys.ctx.db, sys.ctx.config, (await insertOrder('DELIVERED')).orderNumber);
    for (const path of [`/api/orders/${orderNumber}/returns/1/label.pdf?token=${otherToken}`, `/api/orders/${orderNumber}/returns/1/label.pdf`]) {
      const refused = await sys.http.get(path);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe('ORDER_NOT_FOUND');
    }
    // The customer route serves return labels only, never the outbound parcel's.
    const missing = await sys.http.get(`/api/orders/${orderNumber}/returns/2/label.pdf?token=${token}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('RETURN_NOT_FOUND');
  });

  test('batch picking lists: PDF and CSV of pickable orders oldest first, filtered by status, with the planned split', async () => {
    const base = Date.now() - 3600_000;
    const paid = await insertOrder('PAID', { createdAt: new Date(base) });
    const picking = await insertOrder('PICKING', {
      createdAt: new Date(base + 1000),
      planned: { parcels: [{ lines: [{ lineNo: 1, sku: 'A', quantity: 2 }], weightGrams: 900 }, { lines: [{ lineNo: 2, sku: 'B', quantity: 1 }], weightGrams: 450 }] },
    });
    const packed = await insertOrder('PACKED', { createdAt: new Date(base + 2000) });
    const unpaid = await insertOrder('AWAITING_PAYMENT', { createdAt: new Date(base + 3000) });

    const csvRes = await fetchFile('/api/admin/picking-lists.csv', admin);
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(attachment(csvRes)).toMatch(/^picking-lists-\d{8}-\d{4}\.csv$/);
    const rows = csvRows(await csvRes.text());
    expect(rows[0]).toEqual([...PICKING_CSV_COLUMNS]);
    const mine = rows.slice(1).filter((r) => [paid, picking, packed, unpaid].some((o) => o.orderNumber === r[0]));
    expect(mine.map((r) => [r[0], r[5], r[9], r[10], r[11]])).toEqual([
      [paid.orderNumber, '1', '2', '1', '1'],
      [paid.orderNumber, '2', '1', '1', '1'],
      [picking.orderNumber, '1', '2', '1', '2'],
      [picking.orderNumber, '2', '1', '2', '2'],
    ]);
    expect(mine[0]).toEqual(expect.arrayContaining([paid.name, 'next_day', paid.skus[0], `Heavyweight Tee ${paid.skus[0]}`, 'M']));

    const onlyPaid = csvRows(await (await fetchFile('/api/admin/picking-lists.csv?status=PAID', admin)).text());
    expect(onlyPaid.slice(1).every((r) => r[2] === 'PAID')).toBe(true);
    expect(onlyPaid.some((r) => r[0] === paid.orderNumber)).toBe(true);
    expect(onlyPaid.some((r) => r[0] === picking.orderNumber)).toBe(false);

    const pdfRes = await fetchFile('/api/admin/picking-lists.pdf?status=PICKING', admin);
    expect(pdfRes.status).toBe(200);
    expect(attachment(pdfRes)).toMatch(/^picking-lists-\d{8}-\d{4}\.pdf$/);
    expect(pdfRes.headers.get('content-type')).toBe('application/pdf');
    const pdf = await bytes(pdfRes);
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    const pages = (await pdfText(pdf)).split('\f');
    const page = pages.find((p) => p.includes(picking.orderNumber));
    expect(page).toBeDefined();
    expect(page).toContain('Next day');
    expect(page).toContain('Parcel 1 of 2 - 0.90 kg');
    expect(page).toContain('Parcel 2 of 2 - 0.45 kg');
    expect(pages.some((p) => p.includes(paid.orderNumber))).toBe(false);
  });

  test('a bad status filter is a 400 naming the field', async () => {
    for (const path of ['/api/admin/picking-lists.pdf?status=SHIPPED', '/api/admin/picking-lists.csv?status=paid']) {
      const res = await sys.http.get(path, admin);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['query.status']);
    }
  });

  test("one order's picking list, PDF and CSV, with the one-parcel default when no split was planned", async () => {
    const order = await insertOrder('PICKING');
    const pdfRes = await fetchFile(`/api/admin/orders/${order.orderNumber}/picking-list.pdf`, admin);
    expect(pdfRes.status).toBe(200);
    expect(attachment(pdfRes)).toBe(`picking-list-${order.orderNumber}.pdf`);
    const pdf = await bytes(pdfRes);
    expect((await pdfInfo(pdf)).pages).toBe(1);
    const text = await pdfText(pdf);
    expect(text).toContain(order.name);
    // 2 × 450 g + 1 × 450 g from the products' weights.
    expect(text).toContain('Parcel 1 of 1 - 1.35 kg');
    expect(decodeCode128(await rasterise(pdf, { dpi: 200 }))).toBe(order.orderNumber);

    const csvRes = await fetchFile(`/api/admin/orders/${order.orderNumber}/picking-list.csv`, admin);
    expect(csvRes.status).toBe(200);
    expect(attachment(csvRes)).toBe(`picking-list-${order.orderNumber}.csv`);
    const rows = csvRows(await csvRes.text());
    expect(rows.length).toBe(3);
    expect(rows.slice(1).map((r) => r[10])).toEqual(['1', '1']);

    const unpaid = await insertOrder('AWAITING_PAYMENT');
    const refused = await sys.http.get(`/api/admin/orders/${unpaid.orderNumber}/picking-list.pdf`, admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NOT_PICKABLE');
    expect((await sys.http.get(`/api/admin/orders/${newOrderNumber()}/picking-list.csv`, admin)).status).toBe(404);
  });

  test('the OpenAPI document lists every document route', () => {
    const paths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/admin/orders/{orderId}/shipments/{shipmentNo}/label.pdf',
        '/api/admin/orders/{orderId}/returns/{returnNo}/label.pdf',
        '/api/orders/{orderId}/returns/{returnNo}/label.pdf',
        '/api/admin/picking-lists.pdf',
        '/api/admin/picking-lists.csv',
        '/api/admin/orders/{orderId}/picking-list.pdf',
        '/api/admin/orders/{orderId}/picking-list.csv',
      ]),
    );
  });
});
