import { createHash } from 'node:crypto';
import type { Address, TrackingStatus } from '../carrier';

/**
 * Deterministic parcel journeys for the sandbox carrier.
 *
 * The journey is picked from the shipping address so a tester (or a test) decides the outcome
 * by what they type at checkout — never at random, so every run of a test sees the same story.
 * Put one of these words in address line 1 or line 2 (case-insensitive, anywhere in the line):
 *
 *   SANDBOX-REJECT     the carrier refuses the booking (HTTP 422, code ADDRESS_REJECTED)
 *   SANDBOX-EXCEPTION  picked up, in transit, then a delivery exception (FAILURE) that never clears
 *   SANDBOX-DELAYED    in transit, DELAYED for a step, then out for delivery and delivered
 *   (anything else)    the happy path: picked up, in transit, out for delivery, delivered
 *
 * If several words appear, the first in that list wins: a rejected booking has no journey at all.
 *
 * Step k of a journey happens at bookedAt + k × stepMs. The journey and bookedAt are encoded in
 * the tracking number, so the service needs no storage to answer tracking and survives restarts.
 */

export type ScenarioName = 'delivered' | 'exception' | 'delayed';
export type BookingOutcome = ScenarioName | 'rejected';

export interface ScenarioStep {
  /** The sandbox's own event code, as a real carrier would have its own vocabulary. */
  code: string;
  status: TrackingStatus;
  description: string;
  location: string;
}

const LABEL: ScenarioStep = { code: 'LP', status: 'LABEL_PURCHASED', description: 'Shipment details received, label created', location: 'DY Warehouse, Leicester' };
const PICKED_UP: ScenarioStep = { code: 'PU', status: 'CARRIER_PICKED_UP', description: 'Parcel collected from sender', location: 'DY Warehouse, Leicester' };
const IN_TRANSIT: ScenarioStep = { code: 'IT', status: 'IN_TRANSIT', description: 'Parcel sorted at hub and on its way', location: 'Sandbox National Hub, Northampton' };
const DELAYED: ScenarioStep = { code: 'DY', status: 'DELAYED', description: 'Parcel delayed in our network, sorry — it will be with you soon', location: 'Sandbox National Hub, Northampton' };
const OUT_FOR_DELIVERY: ScenarioStep = { code: 'OD', status: 'OUT_FOR_DELIVERY', description: 'Out for delivery with your driver today', location: 'Local delivery office' };
const DELIVERED: ScenarioStep = { code: 'DL', status: 'DELIVERED', description: 'Delivered', location: 'Recipient address' };
const EXCEPTION: ScenarioStep = { code: 'EX', status: 'FAILURE', description: 'Delivery exception: parcel could not be delivered and is held at the depot', location: 'Local delivery office' };

export const SCENARIO_STEPS: Readonly<Record<ScenarioName, readonly ScenarioStep[]>> = {
  delivered: [LABEL, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED],
  exception: [LABEL, PICKED_UP, IN_TRANSIT, EXCEPTION],
  delayed: [LABEL, PICKED_UP, IN_TRANSIT, DELAYED, OUT_FOR_DELIVERY, DELIVERED],
};

// Checked in this order so the most drastic outcome wins when a tester combines words.
const ADDRESS_WORDS: ReadonlyArray<readonly [string, BookingOutcome]> = [
  ['SANDBOX-REJECT', 'rejected'],
  ['SANDBOX-EXCEPTION', 'exception'],
  ['SANDBOX-DELAYED', 'delayed'],
];

export function scenarioForAddress(address: Pick<Address, 'line1' | 'line2'>): BookingOutcome {
  const lines = `${address.line1}\n${address.line2 ?? ''}`.toUpperCase();
  for (const [word, outcome] of ADDRESS_WORDS) {
    if (lines.includes(word)) return outcome;
  }
  return 'delivered';
}

// "D" would be ambiguous between delivered and delayed, hence L(ate) for delayed.
const LETTER: Readonly<Record<ScenarioName, string>> = { delivered: 'D', exception: 'E', delayed: 'L' };
const SCENARIO_BY_LETTER: Readonly<Record<string, ScenarioName>> = { D: 'delivered', E: 'exception', L: 'delayed' };

const PREFIX = 'DYS';
// Fixed width keeps every tracking number the same length; 9 base36 digits last until year 5188.
const TIME_DIGITS = 9;
const TRACKING_NUMBER = /^DYS([DEL])([0-9A-Z]{9})([0-9A-F]{6})$/;

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
  /** What the carrier would promise right now; undefined once delivery has failed. */
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

/** Like a real carrier, the promise is the normal journey's until something goes wrong. */
function estimateAt(parsed: ParsedTrackingNumber, stepMs: number, happened: TimedStep[]): number | undefined {
  if (happened.some((s) => s.status === 'FAILURE')) return undefined;
  const wasDelayed = happened.some((s) => s.status === 'DELAYED');
  const journey = wasDelayed ? SCENARIO_STEPS.delayed : SCENARIO_STEPS.delivered;
  return parsed.bookedAt + (journey.length - 1) * stepMs;
}
