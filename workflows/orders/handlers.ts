/**
 * Every message the order answers, registered in one place. Each handler is a few lines: it records what
 * arrived in the state (or posts it to a mailbox the main flow works through); validators ask the pure rules.
 */
import { ApplicationFailure, condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { CustomerEmailKey, AttentionReasonKey } from '../../temporal-config/searchAttributes';
import { shipmentUpdateSignal } from '../shipping/definitions';
import type { OrderRun } from './context';
import {
  cancelUpdate,
  checkoutUpdate,
  type CheckoutResult,
  disputeSignal,
  eraseCustomerSignal,
  orderStateQuery,
  overrideCarrierUpdate,
  packedSignal,
  paymentSignal,
  pickedSignal,
  refundSignal,
  requestReturnUpdate,
  resolveAttentionUpdate,
} from './definitions';
import { record } from './eventLog';
import { returnableQuantities } from './parcels';
import { onPayment } from './payment';
import { cancelRefusal, overrideRefusal, type Refusal, resolutionRefusal, returnRefusal } from './rules';

const refuseWith = (refusal: Refusal | undefined): void => {
  if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
};

export function registerHandlers(run: OrderRun): void {
  const { state, orderNumber } = run;

  setHandler(orderStateQuery, () => state.view());

  setHandler(checkoutUpdate, async () => {
    await condition(() => state.checkoutResult !== undefined);
    return state.checkoutResult as CheckoutResult;
  });

  // ---- Stripe -----------------------------------------------------------------------------------------
  setHandler(paymentSignal, (signal) => onPayment(run, signal));

  setHandler(refundSignal, async (refund) => {
    if (!firstTime(run, refund.eventId)) return;
    await record(run, { type: 'refund_confirmed', actor: 'stripe', data: { paymentIntentId: refund.paymentIntentId, amountRefundedPence: refund.amountRefundedPence, stripeEventId: refund.eventId } });
  });

  // A dispute flags the order for an admin without stopping it.
  setHandler(disputeSignal, async (dispute) => {
    if (!firstTime(run, dispute.eventId)) return;
    state.flag('DISPUTE', dispute.reason);
    upsertSearchAttributes([{ key: AttentionReasonKey, value: 'DISPUTE' }]);
    await record(run, { type: 'dispute_opened', actor: 'stripe', reason: dispute.reason, data: { amountPence: dispute.amountPence, stripeEventId: dispute.eventId }, readModel: { attentionReason: 'DISPUTE' } });
  });

  // ---- Customer and staff -----------------------------------------------------------------------------
  // Only workflow code can change its own search attributes: erasure clears CustomerEmail from here.
  setHandler(eraseCustomerSignal, () => {
    state.customer = { email: 'erased', name: 'erased' };
    upsertSearchAttributes([{ key: CustomerEmailKey, value: null }]);
  });

  setHandler(pickedSignal, (picked) => void (state.picked ??= picked));
  setHandler(packedSignal, (packed) => void (state.packed ??= packed));

  setHandler(
    cancelUpdate,
    async (request) => {
      state.cancelRequest ??= request;
      await condition(() => state.isTerminal);
      return state.view();
    },
    { validator: (_request) => refuseWith(cancelRefusal(state.facts())) },
  );

  setHandler(
    overrideCarrierUpdate,
    async (override) => {
      // A task-queue activity, not a local one: the main flow may be running its own local activity, and two
      // local activities side by side finish in an order the history's markers would depend on.
      const choice = await run.remote.recordCarrierOverride({ orderNumber, carrier: override.carrier, actor: override.actor, note: override.note });
      state.carrierChoice = choice;
      await record(run, { type: 'carrier_overridden', actor: override.actor, reason: choice.reason, data: { ...choice, note: override.note } });
      return choice;
    },
    { validator: (_override) => refuseWith(overrideRefusal(state.facts())) },
  );

  setHandler(
    resolveAttentionUpdate,
    async (resolution) => {
      if (state.handedToCarrier) {
        // Parcels each have their own problem: the update answers once this one decision has been carried out.
        await state.resolutions.post(resolution);
        return state.view();
      }
      state.resolution = resolution;
      await condition(() => state.status !== 'NEEDS_ATTENTION');
      return state.view();
    },
    { validator: (resolution) => refuseWith(resolutionRefusal(state.facts(), resolution)) },
  );

  setHandler(requestReturnUpdate, (request) => state.returnRequests.post(request), {
    validator: (request) =>
      refuseWith(returnRefusal({ status: state.status, returnWindowEndsAt: state.returnWindowEndsAt, returnable: returnableQuantities(state.lines, state.shipments, state.returns) }, request.lines, Date.now())),
  });

  // ---- Parcels (the order's shipment and return workflows) --------------------------------------------
  setHandler(shipmentUpdateSignal, (update) => void state.shipmentNews.push(update));
}

/** False for a Stripe event already applied: a redelivered webhook changes nothing. */
function firstTime(run: OrderRun, eventId: string): boolean {
  if (run.state.seenEvents.has(eventId)) return false;
  run.state.seenEvents.add(eventId);
  return true;
}
