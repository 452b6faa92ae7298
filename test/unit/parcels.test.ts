/** The status an order derives from its parcels, and what its parcels hold and can still bring back. */
import type { PricedLine, ReturnView, ShipmentView } from '../../workflows/orders/definitions';
import { aggregateStatus, assignParcels, everythingReturned, returnableQuantities, unitsOf } from '../../workflows/orders/parcels';

const shipment = (s: Partial<ShipmentView>): ShipmentView => ({ carrier: 'royal-mail', trackingNumber: '', status: 'PENDING', events: [], ...s });
const booked = (status = 'IN_TRANSIT', s: Partial<ShipmentView> = {}) => shipment({ trackingNumber: `RM${Math.random()}`, status, ...s });
const line = (lineNo: number, quantity: number, sku = `SKU-${lineNo}`): PricedLine => ({ lineNo, sku, productName: sku, size: 'M', quantity, unitPricePence: 1000, lineTotalPence: 1000 * quantity, vatPence: 0 });
const ret = (status: ReturnView['status'], lines: Array<[lineNo: number, quantity: number]>): ReturnView => ({
  returnNo: 1,
  lines: lines.map(([lineNo, quantity]) => ({ lineNo, sku: `SKU-${lineNo}`, quantity, refundPence: 0 })),
  reason: 'too small',
  status,
  requestedAt: '2026-12-01T10:00:00Z',
});

describe('the status an order derives from its parcels', () => {
  test.each<[string, ShipmentView[], string | undefined]>([
    ['none booked yet: PACKED', [shipment({}), shipment({})], 'PACKED'],
    ['one of two booked: PARTIALLY_SHIPPED', [booked(), shipment({})], 'PARTIALLY_SHIPPED'],
    ['every parcel booked: SHIPPED', [booked(), booked('OUT_FOR_DELIVERY')], 'SHIPPED'],
    ['one of two delivered: PARTIALLY_DELIVERED', [booked('DELIVERED'), booked()], 'PARTIALLY_DELIVERED'],
    ['one delivered, the other not booked yet: still PARTIALLY_DELIVERED', [booked('DELIVERED'), shipment({})], 'PARTIALLY_DELIVERED'],
    ['every parcel delivered: DELIVERED', [booked('DELIVERED'), booked('DELIVERED')], 'DELIVERED'],
    ['a replaced parcel no longer counts', [booked('FAILURE', { closedAs: 'REPLACED' }), booked('DELIVERED')], 'DELIVERED'],
    ['a refunded parcel no longer counts', [booked('IN_TRANSIT', { closedAs: 'REFUNDED' }), shipment({})], 'PACKED'],
    ['nothing left to deliver (all refunded): no status', [booked('FAILURE', { closedAs: 'REFUNDED' })], undefined],
    ['no parcels at all: no status', [], undefined],
  ])('%s', (_name, shipments, status) => {
    expect(aggregateStatus(shipments)).toBe(status);
  });
});

describe("what the warehouse's parcels hold", () => {
  const lines = [line(1, 2, 'TEE'), line(2, 1, 'HOODIE')];

  test('a single parcel without lines holds the whole order', () => {
    expect(assignParcels(lines, [{ weightGrams: 900 }])).toEqual([
      {
        weightGrams: 900,
        lines: [
          { lineNo: 1, sku: 'TEE', quantity: 2 },
          { lineNo: 2, sku: 'HOODIE', quantity: 1 },
        ],
      },
    ]);
  });

  test('lines placed by the warehouse stay where it put them, with their SKU', () => {
    const parcels = assignParcels(lines, [
      { weightGrams: 400, lines: [{ lineNo: 1, quantity: 2 }] },
      { weightGrams: 700, lines: [{ lineNo: 2, quantity: 1 }] },
    ]);
    expect(parcels).toEqual([
      { weightGrams: 400, lines: [{ lineNo: 1, sku: 'TEE', quantity: 2 }] },
      { weightGrams: 700, lines: [{ lineNo: 2, sku: 'HOODIE', quantity: 1 }] },
    ]);
  });

  test('units placed nowhere go in the last parcel, so none is left unshipped', () => {
    const parcels = assignParcels(lines, [{ weightGrams: 200, lines: [{ lineNo: 1, quantity: 1 }] }, { weightGrams: 700, lines: [{ lineNo: 2, quantity: 1 }] }]);
    expect(parcels[1].lines).toEqual([
      { lineNo: 2, sku: 'HOODIE', quantity: 1 },
      { lineNo: 1, sku: 'TEE', quantity: 1 },
    ]);
    expect(unitsOf(parcels.flatMap((p) => p.lines))).toBe(3);
  });

  test('more units than the order has, or lines it does not have, are not shipped; an empty parcel is dropped', () => {
    const parcels = assignParcels(lines, [
      { weightGrams: 500, lines: [{ lineNo: 1, quantity: 5 }, { lineNo: 9, quantity: 1 }] },
      { weightGrams: 100, lines: [{ lineNo: 1, quantity: 1 }] },
      { weightGrams: 700, lines: [{ lineNo: 2, quantity: 1 }] },
    ]);
    expect(parcels).toEqual([
      { weightGrams: 500, lines: [{ lineNo: 1, sku: 'TEE', quantity: 2 }] },
      { weightGrams: 700, lines: [{ lineNo: 2, sku: 'HOODIE', quantity: 1 }] },
    ]);
  });
});

describe('what can still come back', () => {
  const lines = [line(1, 2), line(2, 1)];
  const deliveredBoth = [booked('DELIVERED', { lines: [{ lineNo: 1, sku: 'SKU-1', quantity: 2 }] }), booked('DELIVERED', { lines: [{ lineNo: 2, sku: 'SKU-2', quantity: 1 }] })];

  test('delivered units only: a parcel still on its way is not returnable yet, a closed one never', () => {
    const shipments = [
      booked('DELIVERED', { lines: [{ lineNo: 1, sku: 'SKU-1', quantity: 2 }] }),
      booked('IN_TRANSIT', { lines: [{ lineNo: 2, sku: 'SKU-2', quantity: 1 }] }),
      booked('DELIVERED', { lines: [{ lineNo: 2, sku: 'SKU-2', quantity: 1 }], closedAs: 'REPLACED' }),
    ];
    expect(Object.fromEntries(returnableQuantities(lines, shipments, []))).toEqual({ 1: 2 });
  });

  test('less what is already on its way back; a failed return can be asked again', () => {
    expect(Object.fromEntries(returnableQuantities(lines, deliveredBoth, [ret('REQUESTED', [[1, 1]])]))).toEqual({ 1: 1, 2: 1 });
    expect(Object.fromEntries(returnableQuantities(lines, deliveredBoth, [ret('FAILED', [[1, 2]])]))).toEqual({ 1: 2, 2: 1 });
  });

  test('everything returned only when every unit has come back, failed returns not counted', () => {
    expect(everythingReturned(lines, [ret('REFUNDED', [[1, 2]])])).toBe(false);
    expect(everythingReturned(lines, [ret('REFUNDED', [[1, 2]]), ret('IN_TRANSIT', [[2, 1]])])).toBe(true);
    expect(everythingReturned(lines, [ret('REFUNDED', [[1, 2]]), ret('FAILED', [[2, 1]])])).toBe(false);
  });
});
