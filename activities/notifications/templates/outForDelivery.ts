import { shipmentFacts, trackingButton } from './common';
import type { TemplateDefinition } from './types';

export const outForDelivery: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    return {
      subject: `Order ${n} is out for delivery today`,
      preheader: 'Your parcel is on the van and should reach you today.',
      heading: 'Out for delivery today',
      blocks: [
        { kind: 'paragraph', text: `Your parcel for order ${n} is out for delivery and should reach you today. If you're out, the carrier will let you know what happens next.` },
        ...shipmentFacts({ ...data, estimatedDelivery: undefined }),
        ...trackingButton(data),
      ],
      sms: `DY Official: order ${n} is out for delivery today. ${link}`,
    };
  },
};
