import { REFUND_TIMING, hasRefund, lowerFirst } from './common';
import { formatPence } from './format';
import type { ReturnStatus, TemplateDefinition } from './types';

const WORDS: Record<ReturnStatus, { heading: string; text: string; sms: (n: string) => string }> = {
  requested: {
    heading: "We've received your return request",
    text: 'Send the items back within 14 days using the instructions on your order page. We will let you know as soon as they arrive.',
    sms: (n) => `we've received your return request for order ${n}. Your order page shows how to send the items back`,
  },
  received: {
    heading: 'Your return has arrived',
    text: "Your returned items have reached our warehouse. We'll check them and process your refund within 3 working days.",
    sms: (n) => `your return for order ${n} has arrived. We'll refund you within 3 working days`,
  },
  refunded: {
    heading: 'Your return is complete',
    text: `We've checked your returned items and refunded you. ${REFUND_TIMING}`,
    sms: (n) => `your return for order ${n} is complete and refunded`,
  },
  rejected: {
    heading: "We couldn't accept your return",
    text: "Unfortunately we couldn't accept the returned items. We'll send them back to you; reply to this email if you'd like to talk it through.",
    sms: (n) => `we couldn't accept your return for order ${n}; details by email`,
  },
};

export const returnUpdate: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    const w = WORDS[data.returnStatus ?? 'requested'];
    const detail = data.returnDetail?.trim();
    // The amount only once the money has actually moved.
    const refund = data.returnStatus === 'refunded' && hasRefund(data) ? formatPence(data.refundPence) : undefined;
    return {
      subject: `An update on your return for order ${n}`,
      preheader: w.heading,
      heading: w.heading,
      blocks: [
        { kind: 'paragraph', text: `About your return for order ${n}: ${lowerFirst(w.text)}` },
        ...(refund ? [{ kind: 'facts' as const, rows: [['Refund', refund] as [string, string]] }] : []),
        ...(detail ? [{ kind: 'paragraph' as const, text: detail }] : []),
      ],
      sms: `DY Official: ${w.sms(n)}${refund ? ` (${refund})` : ''}. ${link}`,
    };
  },
};
