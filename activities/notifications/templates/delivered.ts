import type { TemplateDefinition } from './types';

export const delivered: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    return {
      subject: `Order ${n} has been delivered`,
      preheader: 'Your parcel has arrived. We hope you love it.',
      heading: 'Delivered',
      blocks: [
        { kind: 'paragraph', text: `The carrier tells us order ${n} has been delivered. We hope you love it.` },
        { kind: 'paragraph', text: "If something isn't right, or the parcel hasn't reached you, let us know from your order page; you can also start a return there." },
      ],
      sms: `DY Official: order ${n} has been delivered. Anything wrong? ${link}`,
    };
  },
};
