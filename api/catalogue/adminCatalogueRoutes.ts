import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Knex } from 'knex';
import { requireAdminToken, actorFor } from '../admin/auth';
import type { ApiContext } from '../context';
import { adjustStock, LEDGER_COLUMNS, type LedgerRow } from '../../domain/inventory/stockMovements';
import { HttpError, parse } from '../errors';
import { adjustmentKeySchema, ledgerQuerySchema, priceChangeRequestSchema, skuParamSchema, stockAdjustmentRequestSchema } from './adminCatalogueSchemas';
// Registers these routes' OpenAPI paths (a side effect, like the other route modules' documents).
import './adminCatalogueOpenapi';

const ledgerEntry = (r: LedgerRow) => ({
  id: Number(r.id),
  kind: r.kind,
  quantity: r.quantity,
  orderId: r.order_number,
  ref: r.ref,
  actor: r.actor,
  note: r.note,
  createdAt: new Date(r.created_at).toISOString(),
});

const skuOf = (req: Request): string => parse(skuParamSchema, String(req.params.sku), 'sku');

/** The SKU's row, locked until the transaction ends: every stock and price change of one SKU queues here. */
async function lockedSku(trx: Knex.Transaction, sku: string): Promise<{ sku: string; available: number; price_pence: number }> {
  const row = await trx('skus').where({ sku }).forUpdate().first('sku', 'available', 'price_pence');
  if (!row) throw new HttpError(404, 'SKU_NOT_FOUND', `no SKU ${sku}`);
  return row;
}

/**
 * The catalogue for admins: every product's SKUs with price and stock, stock adjustments (each one a
 * stock_ledger row of kind `adjust`) and price changes (each one a price_changes row). Admin role only;
 * the bearer token passes too, and then names who acts in `actor`.
 */
export function adminCatalogueRoutes(ctx: ApiContext): Router {
  const router = Router();
  // Per route rather than router.use('/api/admin'): where app.ts mounts this router must not decide who gets in.
  const admin = requireAdminToken(ctx, []);

  router.get('/api/admin/catalogue', admin, async (_req, res) => {
    const rows = await ctx.db('skus')
      .join('products', 'products.id', 'skus.product_id')
      .orderBy([{ column: 'products.category' }, { column: 'products.name' }, { column: 'products.colour' }, { column: 'skus.sort_order' }, { column: 'skus.sku' }])
      .select('skus.sku', 'skus.size', 'skus.price_pence', 'skus.vat_rate_bp', 'skus.available', 'products.id as product_id', 'products.name', 'products.colour', 'products.category');
    const products = new Map<string, { id: string; name: string; colour: string; category: string; skus: unknown[] }>();
    for (const r of rows) {
      let p = products.get(r.product_id);
      if (!p) products.set(r.product_id, (p = { id: r.product_id, name: r.name, colour: r.colour, category: r.category, skus: [] }));
      p.skus.push({ sku: r.sku, size: r.size, pricePence: r.price_pence, vatRateBasisPoints: r.vat_rate_bp, available: r.available });
    }
    res.set('Cache-Control', 'no-store').json({ currency: 'GBP', products: [...products.values()] });
  });

  router.get('/api/admin/skus/:sku/ledger', admin, async (req, res) => {
    const sku = skuOf(req);
    const q = parse(ledgerQuerySchema, req.query, 'query');
    const row = await ctx.db('skus').where({ sku }).first('sku', 'available', 'price_pence');
    if (!row) throw new HttpError(404, 'SKU_NOT_FOUND', `no SKU ${sku}`);
    const [entries, prices] = await Promise.all([
      ctx.db('stock_ledger').where({ sku }).orderBy('id', 'desc').limit(q.limit).select(LEDGER_COLUMNS),
      ctx.db('price_changes').where({ sku }).orderBy('id', 'desc').limit(q.limit).select('id', 'old_price_pence', 'new_price_pence', 'actor', 'created_at'),
    ]);
    res.set('Cache-Control', 'no-store').json({
      sku,
      available: row.available,
      pricePence: row.price_pence,
      entries: entries.map(ledgerEntry),
      priceChanges: prices.map((p) => ({ id: Number(p.id), oldPricePence: p.old_price_pence, newPricePence: p.new_price_pence, actor: p.actor, createdAt: new Date(p.created_at).toISOString() })),
    });
  });

  /**
   * The movement itself (lock, never below zero, ledger row, `available`) is domain/inventory/stockMovements.ts.
   * The Idempotency-Key is the ledger row's ref: a retry answers the row it wrote instead of moving stock again.
   */
  router.post('/api/admin/skus/:sku/stock-adjustments', admin, async (req, res) => {
    const sku = skuOf(req);
    const key = req.header('Idempotency-Key');
    if (key !== undefined) parse(adjustmentKeySchema, key, 'Idempotency-Key');
    const body = parse(stockAdjustmentRequestSchema, req.body ?? {});
    const actor = actorFor(req, body.actor);
    const ref = `adjustment-${key ?? randomUUID()}`;

    const outcome = await adjustStock(ctx.db, { sku, ref, delta: body.delta, actor, reason: body.reason });
    switch (outcome.kind) {
      case 'unknown-sku':
        throw new HttpError(404, 'SKU_NOT_FOUND', `no SKU ${sku}`);
      case 'conflict':
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key already adjusted ${sku} by ${outcome.earlier.quantity} ("${outcome.earlier.note ?? ''}"); use a new key for a new adjustment`);
      case 'insufficient':
        throw new HttpError(409, 'INSUFFICIENT_STOCK', `${sku} has ${outcome.available} available: cannot remove ${-body.delta}`, { sku, available: outcome.available, requested: body.delta });
      case 'applied':
      case 'replayed':
        res.status(outcome.kind === 'applied' ? 201 : 200).json({ sku, available: outcome.available, replayed: outcome.kind === 'replayed', adjustment: ledgerEntry(outcome.row) });
    }
  });

  /** A new price for new orders (orders already placed keep theirs in their lines); who changed it is recorded. */
  router.patch('/api/admin/skus/:sku', admin, async (req, res) => {
    const sku = skuOf(req);
    const body = parse(priceChangeRequestSchema, req.body ?? {});
    const actor = actorFor(req, body.actor);
    const result = await ctx.db.transaction(async (trx) => {
      const current = await lockedSku(trx, sku);
      // The same price again is no change: nothing is recorded, so the audit shows only real changes.
      if (current.price_pence === body.pricePence) return { previous: current.price_pence, change: null };
      const [change] = await trx('price_changes').insert({ sku, old_price_pence: current.price_pence, new_price_pence: body.pricePence, actor }).returning(['id', 'old_price_pence', 'new_price_pence', 'actor', 'created_at']);
      await trx('skus').where({ sku }).update({ price_pence: body.pricePence });
      return { previous: current.price_pence, change };
    });
    res.json({
      sku,
      pricePence: body.pricePence,
      previousPricePence: result.previous,
      changed: result.change !== null,
      change: result.change && { id: Number(result.change.id), oldPricePence: result.change.old_price_pence, newPricePence: result.change.new_price_pence, actor: result.change.actor, createdAt: new Date(result.change.created_at).toISOString() },
    });
  });

  return router;
}
