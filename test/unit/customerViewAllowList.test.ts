/** The customer view's allow-list on its own: plain data in, plain data out, no services. */
import { CUSTOMER_EVENT_TYPES, customerEvent, customerOrder, customerShipments, customerTimeline, type RecordedEvent, roleOf } from '../../api/orders/customerView';
import type { OrderResponse } from '../../api/orders/orderView';
import type { ShipmentRecord } from '../../api/shipping/shipmentsView';

const STAFF = 'admin:Jane Smith <jane@dyofficial.co.uk>';
const event = (e: Partial<RecordedEvent>): RecordedEvent => ({ id: 7, seq: 3, type: 'status_changed', fromStatus: null, toStatus: null, actor: 'system', reason: null, data: {}, occurredAt: '2026-12-04T10:00:00.000Z', ...e });

test('actors become a role word: never a name or an e-mail', () => {
  expect(roleOf(STAFF)).toBe('staff');
  expect(roleOf('admin:ops-kim')).toBe('staff');
  expect(roleOf('warehouse:Walt Packer <walt@dyofficial.co.uk>')).toBe('warehouse');
  expect(roleOf('warehouse')).toBe('warehouse');
  expect(roleOf('customer:alex@example.com')).toBe('customer');
  expect(roleOf('customer')).toBe('customer');
  expect(roleOf('carrier:dhl')).toBe('carrier');
  expect(roleOf('stripe')).toBe('payment');
  expect(roleOf('system')).toBe('system');
  // Anything not known is the store's doing, with no name attached.
  expect(roleOf('Jane Smith <jane@dyofficial.co.uk>')).toBe('system');
  expect(roleOf('')).toBe('system');
  expect(roleOf(undefined)).toBe('system');
});

test('unknown, new and staff-only event types are dropped, not shown with fewer fields', () => {
  expect(customerEvent(event({ type: 'test_event' }))).toBeUndefined();
  expect(customerEvent(event({ type: 'toString' }))).toBeUndefined();
  expect(customerEvent(event({ type: 'carrier_overridden', actor: STAFF, reason: 'overridden by …', data: { carrier: 'dpd', costPence: 512, overriddenBy: STAFF, note: 'rang' } }))).toBeUndefined();
  expect(customerEvent(event({ type: 'picking_list_planned', data: { carrier: 'dhl', reason: 'cheapest of 3', parcels: [] } }))).toBeUndefined();
  expect(customerEvent(event({ type: 'dispute_opened', actor: 'stripe', reason: 'fraudulent', data: { amountPence: 100 } }))).toBeUndefined();
  expect(CUSTOMER_EVENT_TYPES).not.toEqual(expect.arrayContaining(['carrier_overridden']));
  expect(customerTimeline([event({ id: 1, type: 'test_event' }), event({ id: 2, toStatus: 'PAID' })]).map((e) => e.id)).toEqual([2]);
});

test('a staff cancel keeps the status, the code and the refund, loses the actor, the note and the ids', () => {
  const shown = customerEvent(
    event({ orderNumber: 'DY-1', fromStatus: 'PICKING', toStatus: 'CANCELLED', actor: STAFF, reason: 'ADMIN_CANCELLED', data: { note: 'fraud suspected', refundedPence: 3839, refundId: 're_1', restoredUnits: 1 } }),
  );
  expect(shown).toEqual({ id: 7, seq: 3, orderNumber: 'DY-1', type: 'status_changed', fromStatus: 'PICKING', toStatus: 'CANCELLED', actor: 'staff', reason: 'ADMIN_CANCELLED', data: { refundedPence: 3839 }, occurredAt: '2026-12-04T10:00:00.000Z' });
});

test("a declined payment's message reaches the customer; a note with any other cancel does not", () => {
  const declined = customerEvent(event({ toStatus: 'CANCELLED', actor: 'stripe', reason: 'PAYMENT_FAILED', data: { note: 'Your card was declined.' } }));
  expect(declined?.data).toEqual({ note: 'Your card was declined.' });
  const byCustomer = customerEvent(event({ toStatus: 'CANCELLED', actor: 'customer:alex@example.com', reason: 'CUSTOMER_CANCELLED', data: { note: 'changed my mind' } }));
  expect(byCustomer).toMatchObject({ actor: 'customer', data: {} });
  // PAYMENT_FAILED written by someone else is not the card issuer's message.
  expect(customerEvent(event({ toStatus: 'CANCELLED', actor: STAFF, reason: 'PAYMENT_FAILED', data: { note: 'internal' } }))?.data).toEqual({});
});

test('a free-text reason is dropped; reason codes stay', () => {
  expect(customerEvent(event({ toStatus: 'NEEDS_ATTENTION', reason: 'DELIVERY_EXCEPTION', data: { detail: 'Depot 4 says driver refused', resumeAt: 'SHIPPED', shipmentNo: 1 } }))).toMatchObject({ reason: 'DELIVERY_EXCEPTION', data: { shipmentNo: 1 } });
  expect(customerEvent(event({ type: 'return_failed', reason: 'carrier API 500 at https://api.internal/x', data: { returnNo: 1 } }))).toMatchObject({ reason: null, data: { returnNo: 1 } });
  expect(customerEvent(event({ type: 'return_requested', actor: 'customer:alex@example.com', reason: 'too small', data: { returnNo: 1, lines: [{ lineNo: 1, sku: 'X', quantity: 1 }] } }))?.reason).toBe('too small');
  expect(customerEvent(event({ type: 'return_requested', actor: STAFF, reason: 'customer rang, rude', data: { returnNo: 1 } }))?.reason).toBeNull();
});

test('label URLs, weights and carrier payloads are not copied, however deep', () => {
  const booked = customerEvent(
    event({ type: 'shipment_booked', actor: 'carrier:dhl', data: { shipmentNo: 1, carrier: 'dhl', service: 'dhl-parcel', trackingNumber: 'TN1', labelUrl: 'https://carrier/label/1', weightGrams: 640, lines: [{ lineNo: 1, sku: 'X', quantity: 1, raw: { secret: 1 } }] } }),
  );
  expect(booked).toMatchObject({ actor: 'carrier', data: { shipmentNo: 1, carrier: 'dhl', service: 'dhl-parcel', trackingNumber: 'TN1', lines: [{ lineNo: 1, sku: 'X', quantity: 1 }] } });
  expect(JSON.stringify(booked)).not.toMatch(/labelUrl|weightGrams|raw|secret/);
  const tracked = customerEvent(event({ type: 'tracking_updated', data: { shipmentNo: 1, status: 'IN_TRANSIT', latest: { status: 'IN_TRANSIT', description: 'At the hub', occurredAt: 'x', location: 'Leeds', raw: { payload: 1 } } } }));
  expect(tracked?.data).toEqual({ shipmentNo: 1, status: 'IN_TRANSIT', latest: { status: 'IN_TRANSIT', description: 'At the hub', occurredAt: 'x', location: 'Leeds' } });
  // A field of the wrong kind is dropped rather than passed through.
  expect(customerEvent(event({ type: 'tracking_updated', data: { shipmentNo: { evil: true }, status: ['x'] } }))?.data).toEqual({});
  expect(customerEvent(event({ data: 'not an object' }))?.data).toEqual({});
});

test('the order response keeps what the page needs and loses cost, ranking, label URLs and problem details', () => {
  const order: OrderResponse = {
    orderId: 'DY-1',
    status: 'SHIPPED',
    cancelReason: null,
    attentionReason: null,
    email: 'alex@example.com',
    name: 'Alex Morgan',
    lines: [{ lineNo: 1, sku: 'X-M', productName: 'Tee', size: 'M', quantity: 1, unitPricePence: 2500, lineTotalPence: 2500, vatPence: 417 }],
    totals: { currency: 'GBP', subtotalPence: 2500, shippingPence: 339, vatPence: 473, totalPence: 2839 },
    payment: { paymentIntentId: 'pi_1', status: 'succeeded', amountPence: 2839 },
    refundedPence: 0,
    shipments: [{ shipmentNo: 1, carrier: 'dhl', service: 'dhl-parcel', trackingNumber: 'TN1', status: 'IN_TRANSIT', events: [{ status: 'IN_TRANSIT', description: 'At the hub', occurredAt: 'x', raw: 1 }], lines: [{ lineNo: 1, sku: 'X-M', quantity: 1 }], exception: { reason: 'DELIVERY_EXCEPTION', detail: 'driver refused' }, ...({ labelUrl: 'http://sandbox/v1/shipments/TN1/label', weightGrams: 640, replacesShipmentNo: 2 } as object) }],
    returns: [{ returnNo: 1, lines: [{ lineNo: 1, sku: 'X-M', quantity: 1, refundPence: 2500 }], reason: 'too small', status: 'LABEL_ISSUED', trackingNumber: 'R1', carrier: 'dhl', requestedAt: 'y', labelUrl: 'https://carrier/r1' }],
    shippingOption: 'standard',
    promisedDeliveryDate: '2026-12-08',
    carrierChoice: { carrier: 'dhl', service: 'dhl-parcel', costPence: 412, reason: `overridden by ${STAFF}: cheapest of 3`, overriddenBy: STAFF },
    returnWindowEndsAt: null,
    timeline: [event({ id: 1, actor: STAFF, type: 'carrier_overridden' }), event({ id: 2, toStatus: 'SHIPPED', actor: 'carrier:dhl', data: { carrier: 'dhl', trackingNumber: 'TN1' } })],
    source: 'workflow',
    createdAt: 'z',
  };
  const shown = customerOrder(order);
  expect(shown.carrierChoice).toEqual({ carrier: 'dhl', service: 'dhl-parcel' });
  expect(shown.shipments).toEqual([{ shipmentNo: 1, carrier: 'dhl', service: 'dhl-parcel', trackingNumber: 'TN1', status: 'IN_TRANSIT', events: [{ status: 'IN_TRANSIT', description: 'At the hub', occurredAt: 'x' }], lines: [{ lineNo: 1, sku: 'X-M', quantity: 1 }], exception: { reason: 'DELIVERY_EXCEPTION' } }]);
  expect(shown.returns).toEqual([{ returnNo: 1, lines: [{ lineNo: 1, sku: 'X-M', quantity: 1, refundPence: 2500 }], reason: 'too small', status: 'LABEL_ISSUED', trackingNumber: 'R1', carrier: 'dhl', requestedAt: 'y' }]);
  expect(shown.timeline.map((e) => [e.id, e.actor])).toEqual([[2, 'carrier']]);
  expect(shown).toMatchObject({ orderId: 'DY-1', status: 'SHIPPED', email: 'alex@example.com', name: 'Alex Morgan', totals: order.totals, payment: order.payment, lines: order.lines, promisedDeliveryDate: '2026-12-08', shippingOption: 'standard' });
  expect(JSON.stringify(shown)).not.toMatch(/costPence|overriddenBy|cheapest|labelUrl|weightGrams|replacesShipmentNo|driver refused|jane@/);
});

test("the customer's parcel records keep tracking and dates, not weights or problem details", () => {
  const record: ShipmentRecord = {
    shipmentNo: 2,
    kind: 'outbound',
    carrier: 'dhl',
    service: null,
    trackingNumber: 'TN2',
    status: 'FAILURE',
    weightGrams: 640,
    lines: [{ lineNo: 1, sku: 'X-M', quantity: 1 }],
    estimatedDelivery: null,
    exception: { reason: 'DELIVERY_EXCEPTION', detail: 'driver refused' },
    replacesShipmentNo: 1,
    bookedAt: 'a',
    deliveredAt: null,
    events: [{ status: 'FAILURE', occurredAt: 'b', description: 'Failed', location: null }],
  };
  expect(customerShipments([record])).toEqual([
    { shipmentNo: 2, kind: 'outbound', carrier: 'dhl', service: null, trackingNumber: 'TN2', status: 'FAILURE', lines: [{ lineNo: 1, sku: 'X-M', quantity: 1 }], estimatedDelivery: null, exception: { reason: 'DELIVERY_EXCEPTION' }, closedAs: undefined, bookedAt: 'a', deliveredAt: null, events: [{ status: 'FAILURE', occurredAt: 'b', description: 'Failed' }] },
  ]);
});
