/** Which messages each order event raises, and to whom: one table decides every notification. */
import { type AnnouncedEvent, announcementsFor } from '../../workflows/orders/announcements';
import type { OrderStatus } from '../../workflows/orders/definitions';

const templates = (e: Parameters<typeof announcementsFor>[0]) => announcementsFor(e).map((a) => `${a.audience}:${a.template}`);
const status = (toStatus: OrderStatus, reason?: string) => templates({ type: 'status_changed', toStatus, reason });

describe('status changes', () => {
  test.each<[OrderStatus, string]>([
    ['AWAITING_PAYMENT', 'customer:order_confirmation'],
    ['PAID', 'customer:payment_receipt'],
    ['PROCESSING', 'customer:order_processing'],
    ['SHIPPED', 'customer:order_shipped'],
    ['DELIVERED', 'customer:delivered'],
    ['NEEDS_ATTENTION', 'admin:admin_needs_attention'],
  ])('%s tells %s', (to, expected) => {
    expect(status(to)).toEqual([expected]);
  });

  test('statuses without a message of their own raise none', () => {
    for (const to of ['PENDING', 'PICKING', 'PACKED', 'PARTIALLY_SHIPPED', 'PARTIALLY_DELIVERED', 'RETURN_REQUESTED', 'REFUNDED'] as const) expect(status(to)).toEqual([]);
  });

  test('a declined payment is its own message; any other cancel is a cancellation', () => {
    expect(status('CANCELLED', 'PAYMENT_FAILED')).toEqual(['customer:payment_failed']);
    for (const reason of ['PAYMENT_TIMEOUT', 'CUSTOMER_CANCELLED', 'ADMIN_CANCELLED']) expect(status('CANCELLED', reason)).toEqual(['customer:order_cancelled']);
  });

  test("an admin's retry returns to a status already announced: no second message", () => {
    expect(status('PROCESSING', 'ATTENTION_RETRY')).toEqual([]);
    expect(status('SHIPPED', 'ATTENTION_RETRY')).toEqual([]);
  });

  test('the data carries the reason and the event data', () => {
    expect(announcementsFor({ type: 'status_changed', toStatus: 'CANCELLED', reason: 'ADMIN_CANCELLED', data: { refundedPence: 500 } })).toEqual([
      { template: 'order_cancelled', audience: 'customer', data: { refundedPence: 500, reason: 'ADMIN_CANCELLED' } },
    ]);
  });

  test('a status change without a status raises nothing', () => {
    expect(templates({ type: 'status_changed' })).toEqual([]);
  });
});

describe('tracking', () => {
  const tracking = (s: string) => templates({ type: 'tracking_updated', data: { status: s } });

  test('out for delivery is told; each delivery problem is told as one', () => {
    expect(tracking('OUT_FOR_DELIVERY')).toEqual(['customer:out_for_delivery']);
    for (const s of ['DELAYED', 'ATTEMPTED_DELIVERY', 'FAILURE', 'RETURNED_TO_SENDER']) expect(tracking(s)).toEqual(['customer:delivery_problem']);
  });

  test('routine scans are not', () => {
    for (const s of ['LABEL_PURCHASED', 'CARRIER_PICKED_UP', 'IN_TRANSIT', 'DELIVERED', '']) expect(tracking(s)).toEqual([]);
  });
});

describe('returns, refunds and flags', () => {
  test('each step of a return is one return_update naming the step', () => {
    expect(announcementsFor({ type: 'return_requested', data: { returnNo: 1 } })).toEqual([{ template: 'return_update', audience: 'customer', data: { returnNo: 1, reason: undefined, returnStatus: 'requested' } }]);
    expect(announcementsFor({ type: 'return_received' })[0].data).toMatchObject({ returnStatus: 'received' });
    expect(announcementsFor({ type: 'return_refunded' })[0].data).toMatchObject({ returnStatus: 'refunded' });
  });

  test('refunds of lines and of a late payment tell the customer', () => {
    expect(templates({ type: 'lines_refunded' })).toEqual(['customer:refund_issued']);
    expect(templates({ type: 'late_payment_refunded' })).toEqual(['customer:refund_issued']);
  });

  test('disputes, payment mismatches and rejected data go to admins only', () => {
    expect(templates({ type: 'dispute_opened' })).toEqual(['admin:admin_dispute']);
    expect(templates({ type: 'payment_mismatch' })).toEqual(['admin:admin_needs_attention']);
    expect(templates({ type: 'data_rejected' })).toEqual(['admin:admin_needs_attention']);
  });

  test('events of the staff log raise nothing', () => {
    for (const type of ['shipment_booked', 'picking_list_planned', 'attention_resolved', 'note_added', 'no_such_event']) expect(templates({ type } as unknown as AnnouncedEvent)).toEqual([]); // an unknown type too, as an old row would be
  });
});
