import { Router } from 'express';
import type { ApiContext } from '../context';

export function catalogueRoutes(ctx: ApiContext): Router {
  const router = Router();
  /** Every SKU (one per product and size) with its live stock; prices in pence, VAT included. */
  router.get('/api/products', async (_req, res) => {
    const rows = await ctx.db('skus')
      .join('products', 'products.id', 'skus.product_id')
      .orderBy([{ column: 'products.category' }, { column: 'products.name' }, { column: 'products.colour' }, { column: 'skus.sort_order' }])
      .select('skus.sku', 'skus.size', 'skus.price_pence', 'skus.vat_rate_bp', 'skus.available', 'products.id as product_id', 'products.name', 'products.colour', 'products.category', 'products.description');
    res.set('Cache-Control', 'no-store').json({
      currency: 'GBP',
      products: rows.map((r) => ({
        sku: r.sku,
        productId: r.product_id,
        name: r.name,
        colour: r.colour,
        category: r.category,
        description: r.description,
        size: r.size,
        pricePence: r.price_pence,
        vatRateBasisPoints: r.vat_rate_bp,
        available: r.available,
      })),
    });
  });
  return router;
}
