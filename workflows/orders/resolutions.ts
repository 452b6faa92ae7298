/**
 * An admin's decision on one parcel's problem, carried out by the main flow: resume (retry the booking or keep
 * following the parcel), reship the parcel's lines, or refund them. The Update that asked waits for the outcome.
 */
import { type ChildWorkflowHandle, isCancellation } from '@temporalio/workflow';
import { type shipmentWorkflow } from '../shipping/shipmentWorkflow';
import { shipmentInstructionSignal } from '../shipping/definitions';
import { failureMessage, type OrderRun } from './context';
import type { AttentionResolution, ShipmentView } from './definitions';
import { record, transition } from './eventLog';
import type { Letter } from './mailbox';
import { aggregateStatus } from './parcels';
import { problemFor } from './rules';
import { showFirstProblem, startShipment } from './shipping';

export async function resolveOne(run: OrderRun, letter: Letter<AttentionResolution, void>): Promise<void> {
  const { state } = run;
  const decision = letter.request;
  try {
    if (decision.action === 'cancel') {
      state.cancelRequest ??= { by: 'admin', actor: decision.actor, note: decision.note };
      letter.reply();
      return;
    }
    const target = problemFor(state.openProblems, decision.shipmentNo);
    if (!target) throw new Error(`parcel ${decision.shipmentNo} has no open problem`);
    const shipment = state.shipmentOf(target.shipmentNo) as ShipmentView;
    const child = run.children.get(target.shipmentNo) as ChildWorkflowHandle<typeof shipmentWorkflow>;
    if (decision.action === 'retry' || decision.action === 'resolve') {
      await child.signal(shipmentInstructionSignal, { action: 'resume', carrier: state.carrierChoice?.carrier, service: state.carrierChoice?.service });
      await record(run, { type: 'shipment_resumed', actor: decision.actor, reason: target.reason, data: { shipmentNo: shipment.shipmentNo, action: decision.action, note: decision.note } });
    } else if (decision.action === 'reship') {
      await reship(run, decision, shipment, child, target.reason);
    } else {
      await refundLines(run, decision, shipment, child, target.reason);
    }
    shipment.exception = undefined;
    state.openProblems.splice(state.openProblems.indexOf(target), 1);
    if (!showFirstProblem(run)) {
      if (aggregateStatus(state.shipments) === undefined) {
        await transition(run, 'REFUNDED', { actor: decision.actor, reason: 'ALL_LINES_REFUNDED', data: { refundedPence: state.refundedPence, note: decision.note } });
      } else {
        await transition(run, state.resumeAt, { actor: decision.actor, reason: 'ATTENTION_RETRY', data: { action: decision.action, shipmentNo: shipment.shipmentNo, note: decision.note } });
      }
    }
    letter.reply();
  } catch (err) {
    if (isCancellation(err)) throw err;
    letter.refuse(failureMessage(err));
  }
}

type ShipmentChild = ChildWorkflowHandle<typeof shipmentWorkflow>;

/** The same lines again, from stock, as a new parcel; the lost one is closed as replaced. */
async function reship(run: OrderRun, decision: AttentionResolution, shipment: ShipmentView, child: ShipmentChild, reason: string): Promise<void> {
  const lines = shipment.lines ?? [];
  const newShipmentNo = run.state.shipments.length + 1;
  await run.remote.reserveForReship({ orderNumber: run.orderNumber, shipmentNo: newShipmentNo, lines });
  await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'REPLACED' });
  shipment.closedAs = 'REPLACED';
  await record(run, { type: 'reshipped', actor: decision.actor, reason, data: { shipmentNo: shipment.shipmentNo, newShipmentNo, lines, note: decision.note } });
  await startShipment(run, { lines, weightGrams: shipment.weightGrams ?? 0 }, shipment.shipmentNo);
}

/** The parcel's lines given back in money; when no parcel will ever arrive, the delivery charge goes back too. */
async function refundLines(run: OrderRun, decision: AttentionResolution, shipment: ShipmentView, child: ShipmentChild, reason: string): Promise<void> {
  const { state, orderNumber } = run;
  const lines = shipment.lines ?? [];
  const byLine = new Map(state.lines.map((line) => [line.lineNo, line]));
  const linesPence = lines.reduce((sum, line) => sum + (byLine.get(line.lineNo)?.unitPricePence ?? 0) * line.quantity, 0);
  const othersLive = state.shipments.some((other) => other !== shipment && !other.closedAs);
  const amountPence = linesPence + (othersLive ? 0 : (state.totals?.shippingPence ?? 0));
  const payment = state.paidWith;
  const refund = await run.remote.refundPayment({ orderNumber, paymentIntentId: payment.paymentIntentId, amountPence, reason: 'LINES_REFUNDED', key: `shipment-${shipment.shipmentNo}-lines` });
  state.refundedPence += amountPence;
  await child.signal(shipmentInstructionSignal, { action: 'close', closedAs: 'REFUNDED' });
  shipment.closedAs = 'REFUNDED';
  await record(run, { type: 'lines_refunded', actor: decision.actor, reason, data: { shipmentNo: shipment.shipmentNo, lines, refundPence: amountPence, refundId: refund.refundId, note: decision.note } });
}
