import { REFUND_TIMING, cancelReasonWords, hasRefund, orderBlock } from './common';
import { formatPence } from './format';
import type { TemplateDefinition } from './types';

export const orderCancelled: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const note = data.cancelNote?.trim();
    const money = hasRefund(data)
      ? `We've refunded ${formatPence(data.refundPence)} to you. ${REFUND_TIMING}`
      : data.cancelReason === 'CUSTOMER_CANCELLED' || data.cancelReason === 'ADMIN_CANCELLED'
        ? 'You have not been charged for this order.'
        : 'Nothing was taken from your account.';
    return {
      subject: `Order ${n} has been cancelled`,
      preheader: hasRefund(data) ? `We've refunded ${formatPence(data.refundPence)}.` : 'You have not been charged.',
      heading: 'Your order has been cancelled',
      blocks: [
        { kind: 'paragraph', text: `We've cancelled order ${n} because ${cancelReasonWords(data.cancelReason)}.` },
        ...(note ? [{ kind: 'paragraph' as const, text: `A note from our team: ${note}` }] : []),
        { kind: 'paragraph', text: money },
        ...orderBlock(data, false),
      ],
      sms: `DY Official: order ${n} has been cancelled${hasRefund(data) ? ` and ${formatPence(data.refundPence)} refunded` : ''}. ${link}`,
    };
  },
};
