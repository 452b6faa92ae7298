import { orderBlock } from './common';
import { formatPence } from './format';
import type { TemplateDefinition } from './types';

/** Sent when the order is created: stock is held, payment not yet confirmed. */
export const orderConfirmation: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const total = data.totals ? ` of ${formatPence(data.totals.totalPence)}` : '';
    return {
      subject: `We've received your order ${n}`,
      preheader: `Order ${n} is reserved for you while your payment${total} goes through.`,
      heading: 'Thanks, we have your order',
      blocks: [
        { kind: 'paragraph', text: `Order ${n} is reserved for you while we wait for your payment${total} to be confirmed. We will email you a receipt as soon as it is.` },
        ...orderBlock(data, true),
      ],
      sms: `DY Official: we've received order ${n} and are waiting for your payment to confirm it. ${link}`,
    };
  },
};
