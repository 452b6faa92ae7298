import { Router, type Request, type Response } from 'express';
import { labelPdf, loadLabel, loadPickingOrder, loadPickingOrders, pickingListCsv, pickingListPdf, UNPICKABLE_STATUSES, type LabelLookup, type PickingOrder, type ShipmentKind } from '../../domain/shipping/documents';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { authoriseOrder } from '../orders/access';
import { orderIdSchema } from '../schemas';
import './openapi';
import { labelParamsSchema, parcelNumberSchema, pickingListBatchQuerySchema, returnLabelParamsSchema } from './schemas';

/** Labels and picking lists carry names and addresses: never cached by a proxy or the browser. */
function sendFile(res: Response, body: Buffer | string, filename: string, type: string): void {
  res.attachment(filename);
  res.type(type);
  res.set('Cache-Control', 'no-store');
  res.send(body);
}

function labelOrThrow(lookup: LabelLookup, kind: ShipmentKind) {
  if (lookup.found) return lookup.label;
  switch (lookup.reason) {
    case 'NO_SHIPMENT':
      throw new HttpError(404, kind === 'return' ? 'RETURN_NOT_FOUND' : 'SHIPMENT_NOT_FOUND', lookup.message);
    case 'NO_TRACKING_NUMBER':
      throw new HttpError(404, 'LABEL_NOT_READY', lookup.message);
    case 'LABEL_VOID':
      throw new HttpError(409, 'LABEL_VOID', lookup.message);
    case 'ADDRESS_UNAVAILABLE':
      throw new HttpError(410, 'ADDRESS_ERASED', lookup.message);
  }
}

const stamp = (at: Date) => at.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');

export function warehouseRoutes(ctx: ApiContext): Router {
  const router = Router();
  // Per route rather than router.use('/api/admin'): where app.ts mounts this router must not decide who gets in.
  // The bearer token passes everywhere; staff sessions by role: labels and picking lists are the warehouse's
  // work, and support also issues return labels to customers.
  const admin = requireAdminToken(ctx, ['warehouse']);
  const adminOrSupport = requireAdminToken(ctx, ['warehouse', 'support']);

  async function existingOrderNumber(req: Request): Promise<string> {
    const orderNumber = parse(orderIdSchema, String(req.params.orderId), 'orderId');
    const found = await ctx.db('orders').where({ order_number: orderNumber }).first('order_number');
    if (!found) throw new HttpError(404, 'ORDER_NOT_FOUND', `no order ${orderNumber}`);
    return orderNumber;
  }

  router.get('/api/admin/orders/:orderId/shipments/:shipmentNo/label.pdf', admin, async (req, res) => {
    const { shipmentNo } = parse(labelParamsSchema, req.params);
    const orderNumber = await existingOrderNumber(req);
    const label = labelOrThrow(await loadLabel(ctx.db, { orderNumber, kind: 'outbound', shipmentNo }), 'outbound');
    sendFile(res, await labelPdf(label), `label-${orderNumber}-parcel-${shipmentNo}.pdf`, 'application/pdf');
  });

  router.get('/api/admin/orders/:orderId/returns/:returnNo/label.pdf', adminOrSupport, async (req, res) => {
    const { returnNo } = parse(returnLabelParamsSchema, req.params);
    const orderNumber = await existingOrderNumber(req);
    const label = labelOrThrow(await loadLabel(ctx.db, { orderNumber, kind: 'return', shipmentNo: returnNo }), 'return');
    sendFile(res, await labelPdf(label), `return-label-${orderNumber}-${returnNo}.pdf`, 'application/pdf');
  });

  // The customer prints their own return label; a wrong token answers exactly like a missing order.
  router.get('/api/orders/:orderId/returns/:returnNo/label.pdf', async (req, res) => {
    const { orderNumber } = await authoriseOrder(ctx, req);
    const returnNo = parse(parcelNumberSchema, req.params.returnNo, 'returnNo');
    const label = labelOrThrow(await loadLabel(ctx.db, { orderNumber, kind: 'return', shipmentNo: returnNo }), 'return');
    sendFile(res, await labelPdf(label), `return-label-${orderNumber}-${returnNo}.pdf`, 'application/pdf');
  });

  const batch = async (req: Request): Promise<{ orders: PickingOrder[]; at: Date }> => {
    const q = parse(pickingListBatchQuerySchema, req.query, 'query');
    return { orders: await loadPickingOrders(ctx.db, { statuses: q.status ? [q.status] : undefined }), at: new Date() };
  };
  router.get('/api/admin/picking-lists.pdf', admin, async (req, res) => {
    const { orders, at } = await batch(req);
    sendFile(res, await pickingListPdf(orders, { generatedAt: at }), `picking-lists-${stamp(at)}.pdf`, 'application/pdf');
  });
  router.get('/api/admin/picking-lists.csv', admin, async (req, res) => {
    const { orders, at } = await batch(req);
    sendFile(res, await pickingListCsv(orders), `picking-lists-${stamp(at)}.csv`, 'text/csv; charset=utf-8');
  });

  const single = async (req: Request): Promise<PickingOrder> => {
    const orderNumber = await existingOrderNumber(req);
    const order = await loadPickingOrder(ctx.db, orderNumber);
    if (!order) throw new HttpError(404, 'ORDER_NOT_FOUND', `no order ${orderNumber}`);
    // A reprint after packing is fine; a list for an unpaid or cancelled order would send out stock nobody paid for.
    if ((UNPICKABLE_STATUSES as readonly string[]).includes(order.status)) throw new HttpError(409, 'NOT_PICKABLE', `order ${orderNumber} is ${order.status}: nothing may be picked for it`);
    return order;
  };
  router.get('/api/admin/orders/:orderId/picking-list.pdf', admin, async (req, res) => {
    const order = await single(req);
    sendFile(res, await pickingListPdf([order], { generatedAt: new Date() }), `picking-list-${order.orderNumber}.pdf`, 'application/pdf');
  });
  router.get('/api/admin/orders/:orderId/picking-list.csv', admin, async (req, res) => {
    const order = await single(req);
    sendFile(res, await pickingListCsv([order]), `picking-list-${order.orderNumber}.csv`, 'text/csv; charset=utf-8');
  });

  return router;
}
