import { orderBlock } from './common';
import { retryCheckoutUrl } from './format';
import type { TemplateDefinition } from './types';

/** The order is cancelled and its stock released; the way back is a checkout prefilled with the same items. */
export const paymentFailed: TemplateDefinition = {
  audience: 'customer',
  render(data, { publicBaseUrl }) {
    const n = data.orderNumber;
    const retry = retryCheckoutUrl(publicBaseUrl, n, data.lines ?? []);
    const reason = data.paymentFailureReason?.trim();
    return {
      subject: `Your payment for order ${n} didn't go through`,
      preheader: 'Nothing was taken from your account. You can try again with the same items.',
      heading: "Your payment didn't go through",
      blocks: [
        { kind: 'paragraph', text: `We couldn't take payment for order ${n}, so nothing was charged and the order has been cancelled.${reason ? ` Your bank or card provider said: "${reason}"` : ''}` },
        { kind: 'paragraph', text: 'Your basket is saved in the link below: try again with another card or payment method.' },
        { kind: 'button', label: 'Try again', url: retry },
        ...orderBlock(data, false),
      ],
      // The one customer SMS whose link is the retry checkout rather than the order page: it is the action to take.
      sms: `DY Official: the payment for order ${n} didn't go through and nothing was charged. Try again: ${retry}`,
    };
  },
};
