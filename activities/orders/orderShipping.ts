import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../../db/connection';
import type { CarrierChoice, ServiceLevel } from '../../workflows/orders/definitions';
import { CARRIER_NAMES, carrierNameSchema } from '../../domain/shipping/carriers/carrier';
import { rateTableFor } from '../../domain/shipping/rates/loadRateTable';
import { packingLinesForOrder } from '../../domain/shipping/rates/orderParcels';
import { carrierPackingLimits, ItemTooLargeError, type PackingLine, type Parcel, packingLimits, planParcels } from '../../domain/shipping/rates/planParcels';
import { CarrierRefusedError, chooseCarrier, priceService, ShippingUnavailableError } from '../../domain/shipping/rates/quote';
import type { CarrierName, ParcelLimits, RateTable } from '../../domain/shipping/rates/rateTable';
import { type ShippingZone, zoneOf } from '../../domain/shipping/rates/zones';

export interface ShippingDeps {
  /** The worker's table (rateTableFor(config)); without it, the one SHIPPING_RATES_FILE names in this process's environment. */
  rates?: RateTable;
  now?: Date;
}

export interface OrderShipmentPlan {
  parcels: Parcel[];
  choice: CarrierChoice;
  level: ServiceLevel;
  zone: ShippingZone;
}

interface ShippingRow {
  status: string;
  shipping_option: ServiceLevel | null;
  shipping_zone: ShippingZone | null;
  shipping_address: { country: string };
  carrier_choice: CarrierChoice | null;
}

const tableOf = (deps: ShippingDeps): RateTable => deps.rates ?? rateTableFor({ SHIPPING_RATES_FILE: process.env.SHIPPING_RATES_FILE });

async function shippingRow(db: Db, orderNumber: string): Promise<ShippingRow & { level: ServiceLevel; zone: ShippingZone }> {
  const row: ShippingRow | undefined = await db('orders').where({ order_number: orderNumber }).first('status', 'shipping_option', 'shipping_zone', 'shipping_address', 'carrier_choice');
  if (!row) throw ApplicationFailure.nonRetryable(`no order ${orderNumber}`, 'OrderNotFound');
  // Orders from before shipping was charged ship standard, their zone read from the address.
  return { ...row, level: row.shipping_option ?? 'standard', zone: row.shipping_zone ?? zoneOf(row.shipping_address.country) };
}

function plan(lines: PackingLine[], limits: ParcelLimits): Parcel[] {
  try {
    return planParcels(lines, limits);
  } catch (err) {
    if (err instanceof ItemTooLargeError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidOrder');
    throw err;
  }
}

/**
 * The parcels for a carrier already chosen, or why it cannot take them now: packed as at checkout when it
 * takes those (the price charged assumed them), else within its own limits (an admin's smaller carrier).
 */
function parcelsFor(table: RateTable, choice: CarrierChoice, lines: PackingLine[], zone: ShippingZone, level: ServiceLevel): Parcel[] | string {
  const carrierLimits = carrierPackingLimits(table, choice.carrier, zone, level);
  if (!carrierLimits) return `${choice.carrier} no longer serves ${zone} in the rate table`;
  let problem = '';
  for (const limits of [packingLimits(table, zone), carrierLimits]) {
    try {
      const parcels = planParcels(lines, limits);
      const price = priceService(table, choice.carrier as CarrierName, choice.service, zone, parcels);
      if (!('problem' in price)) return parcels;
      problem = price.problem;
    } catch (err) {
      if (!(err instanceof ItemTooLargeError)) throw err;
      problem = err.message;
    }
  }
  return problem;
}

/**
 * The parcels to pack and the carrier to book them with. The carrier recorded at checkout (or by an admin)
 * stands, its parcels packed within its own limits; only when it can no longer carry them (products
 * re-weighed since) is a carrier chosen again, as it is for orders that never had one. Such a choice is
 * written once (a conditional update), so a retry or a second call returns the same plan.
 */
export async function planOrderShipment(db: Db, orderNumber: string, deps: ShippingDeps = {}): Promise<OrderShipmentPlan> {
  const table = tableOf(deps);
  const order = await shippingRow(db, orderNumber);
  const { level, zone } = order;
  const lines = await packingLinesForOrder(db, orderNumber);
  if (lines.length === 0) throw ApplicationFailure.nonRetryable(`order ${orderNumber} has no lines`, 'InvalidOrder');

  const recorded = order.carrier_choice;
  let stale = '';
  if (recorded) {
    const parcels = parcelsFor(table, recorded, lines, zone, level);
    if (typeof parcels !== 'string') return { parcels, choice: recorded, level, zone };
    stale = `re-chosen at packing, ${recorded.carrier} ${recorded.service} can no longer take the order (${parcels}); `;
  }

  const parcels = plan(lines, packingLimits(table, zone));
  let choice: CarrierChoice;
  try {
    choice = chooseCarrier({ table, level, zone, parcels, now: deps.now ?? new Date() });
  } catch (err) {
    if (err instanceof ShippingUnavailableError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidOrder');
    throw err;
  }
  choice = { ...choice, reason: `${stale}${choice.reason}` };
  const update = db('orders').where({ order_number: orderNumber });
  if (recorded) update.whereRaw('carrier_choice = ?::jsonb', [JSON.stringify(recorded)]);
  else update.whereNull('carrier_choice');
  const written = await update.update({ carrier_choice: JSON.stringify(choice), shipping_zone: zone });
  if (written === 1) return { parcels, choice, level, zone };
  // Another call (a retry, an admin) wrote first: what is stored now is the answer.
  const stored = (await db('orders').where({ order_number: orderNumber }).first('carrier_choice')).carrier_choice as CarrierChoice;
  const storedParcels = parcelsFor(table, stored, lines, zone, level);
  if (typeof storedParcels === 'string') throw ApplicationFailure.retryable(`order ${orderNumber}: the carrier recorded meanwhile cannot take it (${storedParcels})`, 'CarrierChoiceRace');
  return { parcels: storedParcels, choice: stored, level, zone };
}

/**
 * An admin sends the order with another carrier before it ships: that carrier's service for the order's
 * level (or its nearest faster one), priced for parcels packed within its limits, recorded with who and
 * why. The same override again writes the same choice. Refused (not retried) when the carrier is unknown,
 * cannot take the parcels to the zone, or a parcel is already booked.
 */
export async function recordCarrierOverride(db: Db, args: { orderNumber: string; carrier: string; actor: string; note?: string }, deps: ShippingDeps = {}): Promise<CarrierChoice> {
  const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'CarrierRefused');
  const name = carrierNameSchema.safeParse(args.carrier);
  if (!name.success) throw refuse(`unknown carrier ${args.carrier}: one of ${CARRIER_NAMES.join(', ')}`);
  const table = tableOf(deps);
  const { level, zone } = await shippingRow(db, args.orderNumber);
  const booked = await db('shipments').where({ order_number: args.orderNumber, kind: 'outbound' }).whereNotNull('tracking_number').first('shipment_no');
  if (booked) throw ApplicationFailure.nonRetryable(`parcel ${booked.shipment_no} of order ${args.orderNumber} is already booked: the carrier can no longer change`, 'NotOverridable');

  const lines = await packingLinesForOrder(db, args.orderNumber);
  const carrierLimits = carrierPackingLimits(table, name.data, zone, level);
  // Packed as at checkout first (what the automatic choice is compared on), then within the carrier's own
  // limits: a carrier taking smaller parcels can still take the order in more of them.
  let choice: CarrierChoice | undefined;
  let refusal = `${name.data} has no ${level} (or faster) service to ${zone} in the rate table`;
  for (const limits of carrierLimits ? [packingLimits(table, zone), carrierLimits] : [packingLimits(table, zone)]) {
    try {
      choice = chooseCarrier({ table, level, zone, parcels: planParcels(lines, limits), now: deps.now ?? new Date(), carrier: name.data });
      break;
    } catch (err) {
      if (err instanceof ItemTooLargeError) refusal = `${name.data} cannot carry order ${args.orderNumber}: ${err.message}`;
      else if (err instanceof CarrierRefusedError) refusal = err.message;
      else throw err;
    }
  }
  if (!choice) throw refuse(refusal);
  const note = args.note?.trim() ? ` ("${args.note.trim()}")` : '';
  const overridden: CarrierChoice = { ...choice, reason: `overridden by ${args.actor}${note}: ${choice.reason}`, overriddenBy: args.actor };
  await db('orders').where({ order_number: args.orderNumber }).update({ carrier_choice: JSON.stringify(overridden) });
  return overridden;
}
