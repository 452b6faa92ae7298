import { customerFacts } from './common';
import { formatPence } from './format';
import type { TemplateDefinition } from './types';

/** Stripe gives a short window to answer a dispute with evidence: the team needs to know at once. */
export const adminDispute: TemplateDefinition = {
  audience: 'admin',
  render(data, { link }) {
    const n = data.orderNumber;
    const amount = data.dispute ? formatPence(data.dispute.amountPence) : 'an amount';
    const reason = data.dispute?.reason ?? 'not given';
    return {
      subject: `[Dispute] ${n}: ${amount} disputed`,
      preheader: `Reason: ${reason}. Gather evidence before Stripe's deadline.`,
      heading: `Payment disputed on ${n}`,
      blocks: [
        { kind: 'paragraph', text: `The customer's bank has opened a dispute for ${amount} on order ${n}. The order carries on; respond in the Stripe dashboard with the evidence (tracking, delivery confirmation) before the deadline.` },
        { kind: 'facts', rows: [['Order', n], ['Disputed', amount], ['Reason', reason], ...customerFacts(data)] },
      ],
      sms: `DY Orders: dispute on ${n} for ${amount} (${reason}). ${link}`,
    };
  },
};
