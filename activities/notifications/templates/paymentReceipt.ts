import { orderBlock } from './common';
import { formatPence } from './format';
import type { TemplateDefinition } from './types';

/** The receipt: UK consumers expect the VAT the price included to be stated. */
export const paymentReceipt: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const paid = data.totals ? formatPence(data.totals.totalPence) : undefined;
    const vat = data.totals ? `, which includes ${formatPence(data.totals.vatPence)} VAT` : '';
    return {
      subject: `Your receipt for order ${n}`,
      preheader: paid ? `We've received your payment of ${paid}.` : `We've received your payment for order ${n}.`,
      heading: 'Payment received, thank you',
      blocks: [
        { kind: 'paragraph', text: paid ? `We've received your payment of ${paid}${vat}. We're getting order ${n} ready to send.` : `We've received your payment for order ${n} and are getting it ready to send.` },
        ...orderBlock(data, true),
      ],
      sms: `DY Official: payment${paid ? ` of ${paid}` : ''} received for order ${n}. Thank you! ${link}`,
    };
  },
};
