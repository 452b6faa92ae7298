import type { AttentionResolution, OrderStatus } from '../../workflows/orders/definitions';
import { cancelRefusal, type OpenProblem, overrideRefusal, problemFor, quantityRefusal, resolutionRefusal, returnRefusal } from '../../workflows/orders/rules';

/** The order workflow's validators ask these rules; no service is needed to check them. */
const order = (status: OrderStatus, parcels: { handedToCarrier?: boolean; anyParcelBooked?: boolean; openProblems?: OpenProblem[] } = {}) => ({
  status,
  handedToCarrier: parcels.handedToCarrier ?? false,
  anyParcelBooked: parcels.anyParcelBooked ?? false,
  openProblems: parcels.openProblems ?? [],
});
const decide = (action: AttentionResolution['action'], shipmentNo?: number): AttentionResolution => ({ action, actor: 'admin:ann', shipmentNo });
const lost: OpenProblem = { shipmentNo: 2, reason: 'DELIVERY_EXCEPTION', detail: 'lost in the depot' };
const rejected: OpenProblem = { shipmentNo: 1, reason: 'CARRIER_REJECTED', detail: 'postcode refused' };

describe('cancelRefusal', () => {
  test.each<OrderStatus>(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'NEEDS_ATTENTION'])('%s before any parcel is handed over may be cancelled', (status) => {
    expect(cancelRefusal(order(status))).toBeUndefined();
  });

  test.each<OrderStatus>(['OUT_OF_STOCK', 'CANCELLED', 'REFUNDED'])('%s is already over', (status) => {
    expect(cancelRefusal(order(status))).toEqual({ type: 'NotCancellable', message: `order is already ${status}` });
  });

  test('parcels handed to the carrier: a return instead, even before a booking', () => {
    expect(cancelRefusal(order('PACKED', { handedToCarrier: true }))?.message).toBe('order has been handed to the carrier: request a return instead');
    expect(cancelRefusal(order('SHIPPED', { handedToCarrier: true, anyParcelBooked: true }))?.type).toBe('NotCancellable');
    expect(cancelRefusal(order('DELIVERED', { handedToCarrier: true, anyParcelBooked: true }))?.type).toBe('NotCancellable');
  });

  test('a parcel problem with nothing booked may still be cancelled; with a booking it may not', () => {
    expect(cancelRefusal(order('NEEDS_ATTENTION', { handedToCarrier: true }))).toBeUndefined();
    expect(cancelRefusal(order('NEEDS_ATTENTION', { handedToCarrier: true, anyParcelBooked: true }))?.type).toBe('NotCancellable');
  });
});

describe('overrideRefusal', () => {
  test('the carrier changes until the first booking', () => {
    expect(overrideRefusal(order('PICKING'))).toBeUndefined();
    expect(overrideRefusal(order('NEEDS_ATTENTION', { handedToCarrier: true }))).toBeUndefined();
    expect(overrideRefusal(order('PARTIALLY_SHIPPED', { handedToCarrier: true, anyParcelBooked: true }))).toEqual({
      type: 'NotOverridable',
      message: 'a parcel has already been booked: the carrier can no longer change',
    });
    expect(overrideRefusal(order('CANCELLED'))?.message).toBe('order is already CANCELLED');
  });
});

describe('resolutionRefusal', () => {
  test('only an order in NEEDS_ATTENTION takes a decision', () => {
    expect(resolutionRefusal(order('SHIPPED'), decide('retry'))).toEqual({ type: 'NotInAttention', message: 'order is SHIPPED, not NEEDS_ATTENTION' });
  });

  test('before any parcel: retry or cancel only', () => {
    expect(resolutionRefusal(order('NEEDS_ATTENTION'), decide('retry'))).toBeUndefined();
    expect(resolutionRefusal(order('NEEDS_ATTENTION'), decide('cancel'))).toBeUndefined();
    expect(resolutionRefusal(order('NEEDS_ATTENTION'), decide('reship'))).toEqual({ type: 'NotApplicable', message: 'reship applies to a parcel with the carrier; this order has none yet' });
  });

  test('a parcel decision needs that parcel to have an open problem', () => {
    const attention = order('NEEDS_ATTENTION', { handedToCarrier: true, anyParcelBooked: true, openProblems: [lost] });
    expect(resolutionRefusal(attention, decide('reship'))).toBeUndefined();
    expect(resolutionRefusal(attention, decide('refund_lines', 2))).toBeUndefined();
    expect(resolutionRefusal(attention, decide('resolve', 3))).toEqual({ type: 'NotApplicable', message: 'parcel 3 has no open problem' });
    expect(resolutionRefusal({ ...attention, openProblems: [] }, decide('resolve'))?.message).toBe('parcel has no open problem');
  });

  test('a booked order cannot be cancelled; a never-booked parcel is retried, not reshipped', () => {
    expect(resolutionRefusal(order('NEEDS_ATTENTION', { handedToCarrier: true, anyParcelBooked: true, openProblems: [lost] }), decide('cancel'))).toEqual({
      type: 'NotCancellable',
      message: 'order has shipped: it cannot be cancelled',
    });
    const unbooked = order('NEEDS_ATTENTION', { handedToCarrier: true, openProblems: [rejected] });
    expect(resolutionRefusal(unbooked, decide('cancel'))).toBeUndefined();
    expect(resolutionRefusal(unbooked, decide('reship'))?.message).toMatch(/never booked: retry the booking/);
    expect(resolutionRefusal(unbooked, decide('retry', 1))).toBeUndefined();
  });

  test('problemFor picks the named parcel, or the oldest', () => {
    expect(problemFor([rejected, lost], undefined)).toBe(rejected);
    expect(problemFor([rejected, lost], 2)).toBe(lost);
    expect(problemFor([rejected, lost], 9)).toBeUndefined();
  });
});

describe('returnRefusal', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const delivered = { status: 'DELIVERED' as OrderStatus, returnWindowEndsAt: '2026-03-15T12:00:00Z', returnable: new Map([[1, 2], [2, 0]]) };

  test('inside the window, up to what is still with the customer', () => {
    expect(returnRefusal(delivered, [{ lineNo: 1, quantity: 2 }], now)).toBeUndefined();
    expect(returnRefusal(delivered, [{ lineNo: 1, quantity: 3 }], now)).toEqual({ type: 'ReturnRefused', message: 'line 1: only 2 can still be returned' });
    expect(returnRefusal(delivered, [{ lineNo: 2, quantity: 1 }], now)?.message).toBe('line 2: only 0 can still be returned');
    expect(returnRefusal(delivered, [{ lineNo: 7, quantity: 1 }], now)?.message).toBe('line 7 is not a delivered line of this order');
  });

  test('not before delivery, and not after the window', () => {
    expect(returnRefusal({ status: 'SHIPPED', returnable: new Map() }, [{ lineNo: 1, quantity: 1 }], now)).toEqual({ type: 'ReturnRefused', message: 'order is SHIPPED: returns open once it is delivered' });
    expect(returnRefusal(delivered, [{ lineNo: 1, quantity: 1 }], Date.parse(delivered.returnWindowEndsAt))).toEqual({
      type: 'ReturnWindowClosed',
      message: 'the return window closed on 2026-03-15T12:00:00Z',
    });
  });

  test('two requests that passed together: the second is measured against the first, without the delivered-line check', () => {
    expect(quantityRefusal(new Map([[1, 1]]), [{ lineNo: 1, quantity: 1 }], false)).toBeUndefined();
    expect(quantityRefusal(new Map([[1, 0]]), [{ lineNo: 1, quantity: 1 }], false)?.message).toBe('line 1: only 0 can still be returned');
    expect(quantityRefusal(new Map(), [{ lineNo: 4, quantity: 1 }], false)?.message).toBe('line 4: only 0 can still be returned');
  });
});
