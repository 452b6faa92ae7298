/**
 * What an order workflow knows, in one place: the facts the query shows (built into OrderView by view()) and
 * the messages that have arrived for it. Derived facts are predicates computed from the parcels and returns,
 * never flags kept beside them.
 */
import type { ReturnResult } from '../returns/definitions';
import type { ShipmentUpdate } from '../shipping/definitions';
import {
  type AttentionReason,
  type AttentionResolution,
  type CancelReason,
  type CancelRequest,
  type CarrierChoice,
  type CheckoutResult,
  type OrderInput,
  type OrderStatus,
  type OrderTotals,
  type OrderView,
  type PackedSignal,
  type PaymentSignal,
  type PricedLine,
  type ReturnRequest,
  type ReturnView,
  type ServiceLevel,
  type ShipmentView,
  TERMINAL_STATUSES,
  type WarehouseSignal,
} from './definitions';
import { Mailbox } from './mailbox';
import type { OpenProblem, OrderFacts } from './rules';

export type Payment = NonNullable<OrderView['payment']>;
export type FinishedReturn = { returnNo: number; result?: ReturnResult; error?: string };

export class OrderState {
  status: OrderStatus = 'PENDING';
  cancelReason?: CancelReason;
  attentionReason?: AttentionReason;
  attentionDetail?: string;
  customer: { email: string; name: string };
  lines: PricedLine[] = [];
  totals?: OrderTotals;
  payment?: Payment;
  refundedPence = 0;
  warehouse: OrderView['warehouse'] = { parcels: [] };
  /** The first booked parcel, as orders showed it before they shipped as several. */
  firstShipment?: ShipmentView;
  readonly shipments: ShipmentView[] = [];
  readonly returns: ReturnView[] = [];
  shippingOption?: ServiceLevel;
  carrierChoice?: CarrierChoice;
  returnWindowEndsAt?: string;

  /** Parcels' problems waiting for a person, oldest first. */
  readonly openProblems: OpenProblem[] = [];
  /** Where a parcel's problem found the order; the admin's last decision returns it there. */
  resumeAt: OrderStatus = 'PACKED';
  /** The workflow's own sequence of event keys. */
  eventNo = 0;

  // ---- messages received ----
  checkoutResult?: CheckoutResult;
  paymentOutcome?: PaymentSignal;
  cancelRequest?: CancelRequest;
  /** An admin's decision on a problem before any parcel exists (DATA_REJECTED). */
  resolution?: AttentionResolution;
  picked?: WarehouseSignal;
  packed?: PackedSignal;
  /** Stripe event ids already applied: a redelivered webhook changes nothing. */
  readonly seenEvents = new Set<string>();
  /** Successful payments the order does not want, to give back before it closes. */
  readonly latePayments: PaymentSignal[] = [];
  readonly refundedIntents = new Set<string>();
  readonly mismatchRefunds = new Set<string>();
  /** Each parcel's news from its shipment workflow, in the order it arrived: one writer keeps the log in order. */
  readonly shipmentNews: ShipmentUpdate[] = [];
  readonly resolutions = new Mailbox<AttentionResolution, void>('ResolutionFailed');
  readonly returnRequests = new Mailbox<ReturnRequest, ReturnView>('ReturnRefused');
  readonly finishedReturns: FinishedReturn[] = [];

  constructor(
    readonly orderNumber: string,
    customer: OrderInput['customer'],
  ) {
    this.customer = { email: customer.email, name: customer.name };
  }

  get isTerminal(): boolean {
    return TERMINAL_STATUSES.includes(this.status);
  }

  get handedToCarrier(): boolean {
    return this.shipments.length > 0;
  }

  get anyParcelBooked(): boolean {
    return this.shipments.some((shipment) => shipment.trackingNumber);
  }

  get liveShipments(): ShipmentView[] {
    return this.shipments.filter((shipment) => !shipment.closedAs);
  }

  /** Returns started and not yet refunded or failed. */
  get openReturns(): number {
    return this.returns.filter((started) => started.status !== 'REFUNDED' && started.status !== 'FAILED').length;
  }

  shipmentOf(shipmentNo: number): ShipmentView | undefined {
    return this.shipments.find((shipment) => shipment.shipmentNo === shipmentNo);
  }

  /** A cancellation asked for, or the admin's when the order stopped for another reason. */
  get pendingCancel(): CancelRequest {
    return this.cancelRequest ?? { by: 'admin', actor: 'system' };
  }

  get paidWith(): Payment {
    return this.payment as Payment;
  }

  facts(): OrderFacts & { openProblems: readonly OpenProblem[] } {
    return { status: this.status, handedToCarrier: this.handedToCarrier, anyParcelBooked: this.anyParcelBooked, openProblems: this.openProblems };
  }

  /** Shows a problem (or none) on the order; the first open one is what the order shows. */
  flag(reason: AttentionReason | undefined, detail?: string): void {
    this.attentionReason = reason;
    this.attentionDetail = reason === undefined ? undefined : detail;
  }

  view(): OrderView {
    return {
      orderNumber: this.orderNumber,
      status: this.status,
      ...(this.cancelReason !== undefined ? { cancelReason: this.cancelReason } : {}),
      ...(this.attentionReason !== undefined ? { attentionReason: this.attentionReason, attentionDetail: this.attentionDetail } : {}),
      customer: this.customer,
      lines: this.lines,
      ...(this.totals ? { totals: this.totals } : {}),
      ...(this.payment ? { payment: this.payment } : {}),
      refundedPence: this.refundedPence,
      warehouse: this.warehouse,
      ...(this.firstShipment ? { shipment: this.firstShipment } : {}),
      ...(this.shipments.length > 0 ? { shipments: this.shipments } : {}),
      ...(this.returns.length > 0 ? { returns: this.returns } : {}),
      ...(this.shippingOption ? { shippingOption: this.shippingOption } : {}),
      ...(this.carrierChoice ? { carrierChoice: this.carrierChoice } : {}),
      ...(this.returnWindowEndsAt ? { returnWindowEndsAt: this.returnWindowEndsAt } : {}),
    };
  }
}
