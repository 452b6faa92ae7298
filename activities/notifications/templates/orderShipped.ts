import { carrierPhrase, orderBlock, shipmentFacts, trackingButton } from './common';
import type { TemplateDefinition } from './types';

export const orderShipped: TemplateDefinition = {
  audience: 'customer',
  render(data, { link }) {
    const n = data.orderNumber;
    return {
      subject: `Order ${n} is on its way`,
      preheader: `Your parcel is with ${data.carrier ?? 'the carrier'}${data.trackingNumber ? `, tracking number ${data.trackingNumber}` : ''}.`,
      heading: 'Your order is on its way',
      blocks: [
        { kind: 'paragraph', text: `Good news: order ${n} has left our warehouse${carrierPhrase(data)}.` },
        ...shipmentFacts(data),
        ...trackingButton(data),
        ...orderBlock(data, false),
      ],
      sms: `DY Official: order ${n} has shipped${carrierPhrase(data)}. Track it: ${link}`,
    };
  },
};
