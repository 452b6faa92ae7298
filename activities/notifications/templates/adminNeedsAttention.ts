import { attentionWords, customerFacts } from './common';
import type { TemplateDefinition } from './types';

export const adminNeedsAttention: TemplateDefinition = {
  audience: 'admin',
  render(data, { link }) {
    const n = data.orderNumber;
    const what = attentionWords(data.attentionReason);
    const detail = data.attentionDetail?.trim();
    return {
      subject: `[Needs attention] ${n}: ${what}`,
      preheader: `${what}. Retry or cancel it from the admin page.`,
      heading: `${n} needs attention`,
      blocks: [
        {
          kind: 'paragraph',
          text: `${what}${detail ? `: ${detail}` : '.'} ${
            data.attentionReason === 'PAYMENT_MISMATCH' ? 'That payment was not applied (and is refunded if money moved); the order still waits for its own.' : 'The order is paused until someone retries or cancels it.'
          }`,
        },
        { kind: 'facts', rows: [['Order', n], ['Reason', data.attentionReason ?? 'unknown'], ...customerFacts(data)] },
        { kind: 'paragraph', text: `Find similar orders in the Temporal UI with OrderStatus="NEEDS_ATTENTION".` },
      ],
      sms: `DY Orders: ${n} needs attention (${data.attentionReason ?? 'unknown'}). ${link}`,
    };
  },
};
