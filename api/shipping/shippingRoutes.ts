import { Router } from 'express';
import type { ApiContext } from '../context';
import { parse } from '../errors';
import { assertKnownSkus, quoteForBasket } from './basketQuote';
import { quoteRequestSchema } from './quoteSchemas';

export function shippingRoutes(ctx: ApiContext): Router {
  const router = Router();

  /**
   * The service levels a basket can have to a destination, each with its price and promised date. Our
   * cost and the reasoning behind the carrier stay inside: customers see the price, carrier and service.
   */
  router.post('/api/shipping/quotes', async (req, res) => {
    const body = parse(quoteRequestSchema, req.body);
    await assertKnownSkus(ctx, body.items);
    const country = (body.shippingAddress?.country ?? body.country) as string;
    const quote = await quoteForBasket(ctx, body.items, country);
    res.set('Cache-Control', 'no-store').json({
      country,
      zone: quote.zone,
      currency: 'GBP',
      parcels: quote.parcels.map((p) => ({ weightGrams: p.weightGrams, lines: p.lines })),
      options: quote.options.map((o) => ({ level: o.level, pricePence: o.pricePence, currency: o.currency, promisedDate: o.promisedDate, carrier: o.carrier, service: o.service })),
      unavailable: quote.unavailable,
    });
  });

  return router;
}
