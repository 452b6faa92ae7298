import { Router } from 'express';
import { z } from 'zod';
import { loadPickingOrders } from '../../domain/shipping/documents';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { errorSchema, registry } from '../schemas';

/** A label for a parcel in one of these is void (as domain/shipping/documents/loadDocuments.ts decides). */
const VOID_SHIPMENT_STATUSES = ['CANCELLED', 'REPLACED', 'REFUNDED'];
/** How long a packed order stays on the board, so the packer sees it booked and can print its labels. */
const RECENT_HOURS = 24;

const parcelLine = z.object({ lineNo: z.number().int(), sku: z.string(), quantity: z.number().int() });
const boardSchema = z
  .object({
    toPick: z.array(
      z.object({
        orderId: z.string(),
        status: z.string().openapi({ description: 'PAID, PROCESSING or PICKING; only PICKING may be marked picked or packed' }),
        name: z.string(),
        serviceLevel: z.string().nullable(),
        createdAt: z.string(),
        lines: z.array(z.object({ lineNo: z.number().int(), sku: z.string(), productName: z.string(), size: z.string(), quantity: z.number().int() })),
        suggestedParcels: z.array(z.object({ weightGrams: z.number().int(), lines: z.array(parcelLine) })),
        splitSource: z.enum(['planned', 'default']).openapi({ description: 'planned: the picking_list_planned event; default: one parcel at the products’ weights' }),
        picked: z.object({ by: z.string(), at: z.string() }).nullable(),
      }),
    ),
    packed: z.array(
      z.object({
        orderId: z.string(),
        status: z.string(),
        name: z.string(),
        packedBy: z.string(),
        packedAt: z.string(),
        shipments: z.array(z.object({ shipmentNo: z.number().int(), carrier: z.string().nullable(), service: z.string().nullable(), trackingNumber: z.string().nullable(), status: z.string(), weightGrams: z.number().int(), labelUrl: z.string().nullable() })),
      }),
    ),
  })
  .openapi('WarehouseBoard');

registry.registerPath({
  method: 'get',
  path: '/api/admin/warehouse/orders',
  security: [{ adminToken: [] }, { staffSession: [] }] as Array<Record<string, string[]>>,
  summary: `The warehouse page's board: orders to pick (paid, not packed; oldest first; with the suggested parcel split and whether they were picked) and orders packed in the last ${RECENT_HOURS} hours with their parcels and label links. Warehouse or admin role`,
  responses: {
    200: { description: 'the board', content: { 'application/json': { schema: boardSchema } } },
    401: { description: 'no admin token and no staff session', content: { 'application/json': { schema: errorSchema } } },
    403: { description: 'signed in without the warehouse or admin role', content: { 'application/json': { schema: errorSchema } } },
  },
});

const iso = (d: Date | string) => new Date(d).toISOString();
const actorName = (actor: string) => actor.replace(/^warehouse:/, '');

/**
 * One read for the warehouse page. GET /api/admin/picking-list has neither the parcel plan nor whether an
 * order was picked (picking does not change the status), and packed orders leave it before their labels exist.
 */
export function warehouseBoardRoutes(ctx: ApiContext): Router {
  const router = Router();
  const warehouse = requireAdminToken(ctx, ['warehouse']);

  router.get('/api/admin/warehouse/orders', warehouse, async (_req, res) => {
    const toPick = await loadPickingOrders(ctx.db);
    const picks = toPick.length
      ? await ctx.db('order_events').whereIn('order_number', toPick.map((o) => o.orderNumber)).andWhere({ type: 'picked' }).orderBy('seq').select('order_number', 'actor', 'occurred_at')
      : [];

    const packedRows = await ctx.db('order_events as e')
      .join('orders as o', 'o.order_number', 'e.order_number')
      .where('e.to_status', 'PACKED')
      .andWhere('e.occurred_at', '>', ctx.db.raw(`now() - interval '${RECENT_HOURS} hours'`))
      .orderBy('e.occurred_at', 'desc')
      .limit(200)
      .select('e.order_number', 'e.actor', 'e.occurred_at', 'o.status', 'o.name');
    // An order packed again (after an attention step) is listed once, at its latest packing.
    const packedEvents = packedRows.filter((e, i) => packedRows.findIndex((x) => x.order_number === e.order_number) === i);
    const shipments = packedEvents.length
      ? await ctx.db('shipments').whereIn('order_number', packedEvents.map((e) => e.order_number)).andWhere({ kind: 'outbound' }).orderBy(['order_number', 'shipment_no']).select('order_number', 'shipment_no', 'carrier', 'service', 'tracking_number', 'status', 'weight_grams')
      : [];

    res.set('Cache-Control', 'no-store').json({
      toPick: toPick.map((o) => {
        const pick = picks.filter((p) => p.order_number === o.orderNumber).pop();
        return {
          orderId: o.orderNumber,
          status: o.status,
          name: o.customerName,
          serviceLevel: o.serviceLevel,
          createdAt: iso(o.createdAt),
          lines: o.lines,
          suggestedParcels: (o.parcels ?? []).map((p) => ({ weightGrams: p.weightGrams, lines: p.lines })),
          splitSource: o.splitSource,
          picked: pick ? { by: actorName(pick.actor), at: iso(pick.occurred_at) } : null,
        };
      }),
      packed: packedEvents.map((e) => ({
        orderId: e.order_number,
        status: e.status,
        name: e.name,
        packedBy: actorName(e.actor),
        packedAt: iso(e.occurred_at),
        shipments: shipments
          .filter((s) => s.order_number === e.order_number)
          .map((s) => ({
            shipmentNo: s.shipment_no,
            carrier: s.carrier,
            service: s.service,
            trackingNumber: s.tracking_number,
            status: s.status,
            weightGrams: s.weight_grams,
            labelUrl: s.tracking_number && !VOID_SHIPMENT_STATUSES.includes(s.status) ? `/api/admin/orders/${encodeURIComponent(e.order_number)}/shipments/${s.shipment_no}/label.pdf` : null,
          })),
      })),
    });
  });

  return router;
}
