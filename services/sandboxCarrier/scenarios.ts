import { createHash } from 'node:crypto';
import type { Address, TrackingStatus } from '../../domain/shipping/carriers/carrier';

/**
 * Deterministic parcel journeys for the sandbox carrier.
 *
 * The journey is picked from the shipping address so a tester (or a test) decides the outcome
 * by what they type at checkout — never at random, so every run of a test sees the same story.
 * Put one of these words in address line 1 or line 2 (case-insensitive, anywhere in the line):
 *
 *   SANDBOX-REJECT     the carrier refuses the booking (HTTP 422, code ADDRESS_REJECTED)
 *   SANDBOX-LOST       picked up, in transit, then nothing more, ever: only our side can notice the silence
 *   SANDBOX-RETURNED   in transit, a delivery exception, then returned to the sender (RETURNED_TO_SENDER)
 *   SANDBOX-EXCEPTION  picked up, in transit, then a delivery exception (FAILURE) that never clears
 *   SANDBOX-ATTEMPTED  out for delivery, nobody in (ATTEMPTED_DELIVERY), out again the next step, delivered
 *   SANDBOX-DELAYED    in transit, DELAYED for a step, then out for delivery and delivered
 *   (anything else)    the happy path: picked up, in transit, out for delivery, delivered
 *
 * If several words appear, the first in that list wins: a rejected booking has no journey at all, and a
 * lost parcel cannot also be returned. A return booking (the customer sending goods back to the warehouse)
 * ignores the words and always takes the happy path: no test needs a return that fails, and a customer's
 * address that once chose an outbound scenario must not sabotage their return.
 *
 * Step k of a journey happens at bookedAt + k × stepMs. The journey and bookedAt are encoded in
 * the tracking number, so the service needs no storage to answer tracking and survives restarts.
 */

export type ScenarioName = 'delivered' | 'exception' | 'delayed' | 'attempted' | 'returned' | 'lost' | 'customer-return';
export type BookingOutcome = ScenarioName | 'rejected';

export interface ScenarioStep {
  /** The sandbox's own event code, as a real carrier would have its own vocabulary. */
  code: string;
  status: TrackingStatus;
  description: string;
  location: string;
}

const WAREHOUSE = 'DY Warehouse, Leicester';
const HUB = 'Sandbox National Hub, Northampton';
const DELIVERY_OFFICE = 'Local delivery office';

const LABEL: ScenarioStep = { code: 'LP', status: 'LABEL_PURCHASED', description: 'Shipment details received, label created', location: WAREHOUSE };
const PICKED_UP: ScenarioStep = { code: 'PU', status: 'CARRIER_PICKED_UP', description: 'Parcel collected from sender', location: WAREHOUSE };
const IN_TRANSIT: ScenarioStep = { code: 'IT', status: 'IN_TRANSIT', description: 'Parcel sorted at hub and on its way', location: HUB };
const DELAYED: ScenarioStep = { code: 'DY', status: 'DELAYED', description: 'Parcel delayed in our network, sorry — it will be with you soon', location: HUB };
const OUT_FOR_DELIVERY: ScenarioStep = { code: 'OD', status: 'OUT_FOR_DELIVERY', description: 'Out for delivery with your driver today', location: DELIVERY_OFFICE };
const DELIVERED: ScenarioStep = { code: 'DL', status: 'DELIVERED', description: 'Delivered', location: 'Recipient address' };
const EXCEPTION: ScenarioStep = { code: 'EX', status: 'FAILURE', description: 'Delivery exception: parcel could not be delivered and is held at the depot', location: DELIVERY_OFFICE };
const ATTEMPTED: ScenarioStep = { code: 'AT', status: 'ATTEMPTED_DELIVERY', description: 'We tried to deliver but nobody was in; we will try again on the next working day', location: 'Recipient address' };
const OUT_AGAIN: ScenarioStep = { ...OUT_FOR_DELIVERY, description: 'Out for delivery again today (second attempt)' };
const UNDELIVERABLE: ScenarioStep = { ...EXCEPTION, description: 'Delivery exception: the address could not be found; the parcel will go back to the sender' };
const RETURNED_TO_SENDER: ScenarioStep = { code: 'RS', status: 'RETURNED_TO_SENDER', description: 'Parcel returned to the sender', location: WAREHOUSE };

// A customer's return travels the other way: from their door (or drop-off point) to the warehouse.
const RETURN_LABEL: ScenarioStep = { ...LABEL, description: 'Return label created', location: 'Customer' };
const RETURN_HANDED_IN: ScenarioStep = { ...PICKED_UP, description: 'Return parcel handed in by the customer', location: 'Drop-off point near the customer' };
const RETURN_IN_TRANSIT: ScenarioStep = { ...IN_TRANSIT, description: 'Return parcel sorted at hub and on its way back' };
const RETURN_OUT_FOR_DELIVERY: ScenarioStep = { ...OUT_FOR_DELIVERY, description: 'Out for delivery to the DY warehouse', location: 'Leicester delivery office' };
const RETURN_DELIVERED: ScenarioStep = { ...DELIVERED, description: 'Delivered to the DY warehouse', location: WAREHOUSE };

export const SCENARIO_STEPS: Readonly<Record<ScenarioName, readonly ScenarioStep[]>> = {
  delivered: [LABEL, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED],
  exception: [LABEL, PICKED_UP, IN_TRANSIT, EXCEPTION],
  delayed: [LABEL, PICKED_UP, IN_TRANSIT, DELAYED, OUT_FOR_DELIVERY, DELIVERED],
  attempted: [LABEL, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, ATTEMPTED, OUT_AGAIN, DELIVERED],
  returned: [LABEL, PICKED_UP, IN_TRANSIT, UNDELIVERABLE, RETURNED_TO_SENDER],
  // The carrier simply stops talking: staleness is for our side to detect, as with a real lost parcel.
  lost: [LABEL, PICKED_UP, IN_TRANSIT],
  'customer-return': [RETURN_LABEL, RETURN_HANDED_IN, RETURN_IN_TRANSIT, RETURN_OUT_FOR_DELIVERY, RETURN_DELIVERED],
};

// Checked in this order so the most drastic outcome wins when a tester combines words.
const ADDRESS_WORDS: ReadonlyArray<readonly [string, BookingOutcome]> = [
  ['SANDBOX-REJECT', 'rejected'],
  ['SANDBOX-LOST', 'lost'],
  ['SANDBOX-RETURNED', 'returned'],
  ['SANDBOX-EXCEPTION', 'exception'],
  ['SANDBOX-ATTEMPTED', 'attempted'],
  ['SANDBOX-DELAYED', 'delayed'],
];

export function scenarioForAddress(address: Pick<Address, 'line1' | 'line2'>): BookingOutcome {
  const lines = `${address.line1}\n${address.line2 ?? ''}`.toUpperCase();
  for (const [word, outcome] of ADDRESS_WORDS) {
    if (lines.includes(word)) return outcome;
  }
  return 'delivered';
}

export function outcomeForBooking(address: Pick<Address, 'line1' | 'line2'>, direction: 'outbound' | 'return'): BookingOutcome {
  return direction === 'return' ? 'customer-return' : scenarioForAddress(address);
}

// Tracking numbers already issued must keep their meaning, so letters are only ever added. "D" would be
// ambiguous between delivered and delayed, hence L(ate); likewise S (back to Sender) for returned and R for
// a customer's Return, M (Missing) for lost, A for attempted.
const LETTER: Readonly<Record<ScenarioName, string>> = {
  delivered: 'D',
  exception: 'E',
  delayed: 'L',
  attempted: 'A',
  returned: 'S',
  lost: 'M',
  'customer-return': 'R',
};
const SCENARIO_BY_LETTER: Readonly<Record<string, ScenarioName>> = Object.fromEntries(
  Object.entries(LETTER).map(([scenario, letter]) => [letter, scenario as ScenarioName]),
);

const PREFIX = 'DYS';
// Fixed width keeps every tracking number the same length; 9 base36 digits last until year 5188.
const TIME_DIGITS = 9;
const TRACKING_NUMBER = /^DYS([A-Z])([0-9A-Z]{9})([0-9A-F]{6})$/;

export interface ParsedTrackingNumber {
  trackingNumber: string;
  scenario: ScenarioName;
  bookedAt: number;
}

export function trackingNumberFor(scenario: ScenarioName, bookedAt: number, idempotencyKey: string): string {
  // The key hash tells apart parcels booked in the same millisecond.
  const keyHash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 6);
  const time = Math.floor(bookedAt).toString(36).padStart(TIME_DIGITS, '0');
  return `${PREFIX}${LETTER[scenario]}${time}${keyHash}`.toUpperCase();
}

/** Undefined for anything this sandbox could not have issued. */
export function parseTrackingNumber(trackingNumber: string): ParsedTrackingNumber | undefined {
  const normalised = trackingNumber.trim().toUpperCase();
  const m = TRACKING_NUMBER.exec(normalised);
  if (!m) return undefined;
  const scenario = SCENARIO_BY_LETTER[m[1]];
  const bookedAt = parseInt(m[2], 36);
  if (scenario === undefined || !Number.isSafeInteger(bookedAt)) return undefined;
  return { trackingNumber: normalised, scenario, bookedAt };
}

export interface TimedStep extends ScenarioStep {
  at: number;
}

export interface Progress {
  /** Steps that have happened by `now`, oldest first; never empty once booked. */
  happened: TimedStep[];
  status: TrackingStatus;
  /** What the carrier would promise right now; undefined once delivery has failed or the parcel went back. */
  estimatedDelivery: number | undefined;
}

export function timeline(scenario: ScenarioName, bookedAt: number, stepMs: number): TimedStep[] {
  return SCENARIO_STEPS[scenario].map((step, k) => ({ ...step, at: bookedAt + k * stepMs }));
}

/** Where the parcel is at `now`: the last step whose time has come. */
export function progressAt(parsed: ParsedTrackingNumber, stepMs: number, now: number): Progress {
  const steps = timeline(parsed.scenario, parsed.bookedAt, stepMs);
  const happened = steps.filter((s) => s.at <= now);
  // A booking in the future of this clock is still shown as booked rather than as nothing at all.
  if (happened.length === 0) happened.push(steps[0]);
  const last = happened[happened.length - 1];
  return { happened, status: last.status, estimatedDelivery: estimateAt(parsed, stepMs, happened) };
}

/** The promise at booking: every scenario but a return looks like the happy path until something happens. */
export function promisedDelivery(scenario: ScenarioName, bookedAt: number, stepMs: number): number {
  const journey = SCENARIO_STEPS[scenario === 'customer-return' ? 'customer-return' : 'delivered'];
  return bookedAt + (journey.length - 1) * stepMs;
}

/**
 * Like a real carrier, the promise is the normal journey's until something revises it (a delay, a missed
 * delivery), and there is none once the parcel has failed or is going back. A lost parcel keeps its first
 * promise, which simply passes.
 */
function estimateAt(parsed: ParsedTrackingNumber, stepMs: number, happened: TimedStep[]): number | undefined {
  if (happened.some((s) => s.status === 'FAILURE' || s.status === 'RETURNED_TO_SENDER')) return undefined;
  const revised = happened.some((s) => s.status === 'DELAYED' || s.status === 'ATTEMPTED_DELIVERY');
  if (!revised) return promisedDelivery(parsed.scenario, parsed.bookedAt, stepMs);
  return parsed.bookedAt + (SCENARIO_STEPS[parsed.scenario].length - 1) * stepMs;
}
