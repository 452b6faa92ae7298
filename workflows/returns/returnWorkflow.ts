import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { shipmentWorkflow } from '../shipping/shipmentWorkflow';
import { shipmentWorkflowId } from '../shipping/definitions';
import type { ReturnInput, ReturnResult } from './definitions';

/**
 * A return, child of the still-open order: a label for the customer, the parcel followed back to the
 * warehouse, then the units restocked and the lines refunded, each keyed by the return so it happens once.
 */
export async function returnWorkflow(input: ReturnInput): Promise<ReturnResult> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: input.timings.activityRetryMaxInterval, nonRetryableErrorTypes: ['StripeRejected', 'InvalidReturn'] },
  });
  await acts.recordReturn({ orderNumber: input.orderNumber, returnNo: input.returnNo, lines: input.lines, reason: input.reason });

  // The parcel's news goes straight to the order, which keeps the one event log.
  await executeChild(shipmentWorkflow, {
    workflowId: shipmentWorkflowId(input.orderNumber, 'return', input.returnNo),
    args: [
      {
        orderNumber: input.orderNumber,
        kind: 'return',
        shipmentNo: input.returnNo,
        carrier: input.carrier,
        service: input.service,
        recipientName: input.customer.name,
        address: input.customer.address,
        parcel: { lines: input.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity })), weightGrams: input.weightGrams },
        notifyWorkflowId: input.orderWorkflowId,
        timings: input.timings,
      },
    ],
  });

  const restored = await acts.restockReturn({ orderNumber: input.orderNumber, returnNo: input.returnNo, lines: input.lines });
  const refundPence = input.lines.reduce((sum, l) => sum + l.refundPence, 0) + input.deliveryRefundPence;
  const refund = await acts.refundPayment({ orderNumber: input.orderNumber, paymentIntentId: input.paymentIntentId, amountPence: refundPence, reason: 'RETURNED', key: `return-${input.returnNo}` });
  await acts.completeReturn({ orderNumber: input.orderNumber, returnNo: input.returnNo, refundPence });
  return { returnNo: input.returnNo, restoredUnits: restored.restoredUnits, refundPence, refundId: refund.refundId };
}
