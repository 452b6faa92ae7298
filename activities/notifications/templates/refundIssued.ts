import { REFUND_TIMING, hasRefund } from './common';
import { formatPence } from './format';
import type { TemplateDefinition } from './types';

export const refundIssued: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const amount = hasRefund(data) ? formatPence(data.refundPence) : undefined;
    return {
      subject: amount ? `We've refunded ${amount} for order ${n}` : `Your refund for order ${n}`,
      preheader: REFUND_TIMING,
      heading: amount ? `${amount} is on its way back to you` : 'Your refund is on its way',
      blocks: [
        { kind: 'paragraph', text: `We've issued a refund${amount ? ` of ${amount}` : ''} for order ${n}. ${REFUND_TIMING}` },
        ...(data.totals ? [{ kind: 'facts' as const, rows: [['Order total', formatPence(data.totals.totalPence)] as [string, string], ...(amount ? [['Refunded', amount] as [string, string]] : [])] }] : []),
      ],
      sms: `DY Official: we've refunded ${amount ?? 'your payment'} for order ${n}. It usually shows in 5-10 working days. ${link}`,
    };
  },
};
