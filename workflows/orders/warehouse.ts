/**
 * Warehouse: allocate (plan parcels and pick the carrier by rate), pick, pack. In auto mode each step happens
 * by itself after a delay unless staff do it first; in manual mode staff must. A cancellation stops either.
 */
import { condition } from '@temporalio/workflow';
import type { Parcel } from '../shipping/definitions';
import type { Stop } from './compensation';
import { type OrderRun, WAREHOUSE } from './context';
import { exclusive, record, transition } from './eventLog';
import { assignParcels } from './parcels';

export type WarehouseOutcome = { next: 'shipping'; parcels: Parcel[]; actor: string } | { next: 'stop'; stop: Stop };

export async function warehouse(run: OrderRun): Promise<WarehouseOutcome> {
  const { state, orderNumber } = run;
  const cancelled = (): WarehouseOutcome => ({ next: 'stop', stop: { undo: 'paid', request: state.pendingCancel } });
  await transition(run, 'PROCESSING', { actor: 'system', data: { warehouse: WAREHOUSE } });
  if (state.cancelRequest) return cancelled();
  // The warehouse gets a suggested split from the carriers' parcel limits; the carrier is chosen by rate.
  const plan = await exclusive(run, () => run.local.planOrderShipment(orderNumber));
  state.carrierChoice = plan.choice;
  state.shippingOption = plan.level;
  await transition(run, 'PICKING', { actor: 'system', data: { warehouse: WAREHOUSE, pickingList: state.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })) } });
  await record(run, { type: 'picking_list_planned', actor: 'system', data: { parcels: plan.parcels, carrier: plan.choice.carrier, service: plan.choice.service, reason: plan.choice.reason } });

  const picked = await warehouseStep(run, () => state.picked, () => ({ by: 'auto-warehouse' }));
  if (!picked) return cancelled();
  state.warehouse.pickedBy = picked.by;
  await record(run, { type: 'picked', actor: `warehouse:${picked.by}`, data: { warehouse: WAREHOUSE } });

  const suggested = plan.parcels.map((parcel) => ({ weightGrams: parcel.weightGrams, lines: parcel.lines.map((line) => ({ lineNo: line.lineNo, quantity: line.quantity })) }));
  const packed = await warehouseStep(run, () => state.packed, () => ({ by: 'auto-warehouse', parcels: suggested }));
  if (!packed) return cancelled();
  state.warehouse.packedBy = packed.by;
  state.warehouse.parcels = packed.parcels;
  await transition(run, 'PACKED', { actor: `warehouse:${packed.by}`, data: { parcels: packed.parcels } });
  return { next: 'shipping', parcels: assignParcels(state.lines, packed.parcels), actor: `warehouse:${packed.by}` };
}

/** What staff reported, or (auto mode) the default after the delay; undefined when the order is being cancelled. */
async function warehouseStep<T>(run: OrderRun, reported: () => T | undefined, auto: () => T): Promise<T | undefined> {
  const { state } = run;
  const { warehouseMode, warehouseAutoDelay } = run.input.timings;
  if (warehouseMode === 'auto') {
    await condition(() => reported() !== undefined || state.cancelRequest !== undefined, warehouseAutoDelay);
    if (state.cancelRequest) return undefined;
    return reported() ?? auto();
  }
  await condition(() => reported() !== undefined || state.cancelRequest !== undefined);
  return state.cancelRequest ? undefined : reported();
}
