import { z } from 'zod';
import { CarrierRejectedError, CarrierUnavailableError, type TrackingEvent, type TrackingStatus } from './carrier';
import { retryAfterMs } from './sandbox';

/**
 * What the tracking adapters (Royal Mail, DPD, DHL) share: one GET with a deadline, the error mapping every
 * carrier agrees on, timestamps made comparable, and events put in order before their status is decided.
 * Kept apart from any booking client on purpose: tracking only ever reads.
 */

export interface CarrierResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON; the text itself when it is not JSON (a proxy's HTML page); undefined when empty. */
  body: unknown;
}

export interface CarrierGet {
  headers: Record<string, string>;
  timeoutMs: number;
  /** 'manual' lets an adapter read a redirect's Location instead of landing on a web page. */
  redirect?: 'follow' | 'manual';
}

/**
 * Resolves with whatever the carrier answered, whatever the status; only a missing answer (timeout, refused
 * or reset connection, DNS) throws, and always as CarrierUnavailableError. `what` names the call in errors so
 * that neither credentials nor the customer's postcode in the URL end up in logs.
 */
export async function getFromCarrier(what: string, url: string, { headers, timeoutMs, redirect = 'follow' }: CarrierGet): Promise<CarrierResponse> {
  try {
    const res = await fetch(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, redirect, signal: AbortSignal.timeout(timeoutMs) });
    // Read inside the try: the deadline also covers a body that stalls half way.
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : safeJson(text) };
  } catch (err) {
    const reason = errorField(err, 'name') === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describe(err);
    throw new CarrierUnavailableError(`${what} failed: ${reason}`);
  }
}

/**
 * The part of error handling all three carriers agree on. Adapters first pick out what only they say (Royal
 * Mail's E-codes, DHL's 404 wording) and pass it as `detail`; everything else lands here.
 */
export function carrierFailure(what: string, res: CarrierResponse, detail: { code?: string; message?: string } = {}): CarrierRejectedError | CarrierUnavailableError {
  const message = `${what}: HTTP ${res.status}${detail.message ? ` ${detail.message}` : ''}`;
  // Retrying with the same credentials cannot succeed; a person has to fix the configuration.
  if (res.status === 401 || res.status === 403) return new CarrierRejectedError(message, 'AUTH');
  if (res.status === 408 || res.status === 429 || res.status >= 500) return new CarrierUnavailableError(message, retryAfterMs(res.headers.get('retry-after')));
  return new CarrierRejectedError(message, detail.code ?? `HTTP_${res.status}`);
}

/** A 2xx we cannot read is most likely a gateway or a deploy in progress: the next poll may well get a real answer. */
export function readCarrierBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new CarrierUnavailableError(`${what} sent an unreadable response: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function retryAfterOf(res: CarrierResponse): number | undefined {
  return retryAfterMs(res.headers.get('retry-after'));
}

// ---- Time

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO 8601 instant (UTC, `Z`) for a carrier timestamp, so events from any carrier sort and compare alike.
 * A timestamp without an offset is read as wall-clock time in `timeZone` (DPD UK sends "2024-03-04 09:15:00"
 * in UK time). Undefined when the text is not a timestamp at all.
 */
export function toInstant(value: string, timeZone = 'UTC'): string | undefined {
  const text = value.trim();
  if (HAS_ZONE.test(text)) {
    const at = Date.parse(text);
    return Number.isNaN(at) ? undefined : new Date(at).toISOString();
  }
  const m = WALL_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (Number.isNaN(wall)) return undefined;
  if (timeZone === 'UTC') return new Date(wall).toISOString();
  // The zone's offset depends on the instant we are looking for; a second pass settles it except inside
  // the hour a clock change skips or repeats, where an hour either way is the best anyone can say.
  const first = wall - zoneOffsetMs(wall, timeZone);
  return new Date(wall - zoneOffsetMs(first, timeZone)).toISOString();
}

function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** Estimated delivery as the carrier meant it: a bare date stays a date, anything with a time becomes an instant. */
export function toEstimate(value: string | null | undefined, timeZone = 'UTC'): string | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  return toInstant(text, timeZone);
}

// ---- Events

/** One carrier event, read but not yet given a status. */
export interface ReadEvent<Raw = unknown> {
  occurredAt: string;
  description: string;
  location?: string;
  raw: Raw;
}

/**
 * Oldest first. Carriers mostly list newest first, and scans in the same minute are common, so ties keep the
 * carrier's own order read backwards when its list runs newest first; otherwise as listed.
 */
export function oldestFirst<E extends ReadEvent>(events: E[]): E[] {
  const newestFirst = events.length > 1 && Date.parse(events[0].occurredAt) > Date.parse(events[events.length - 1].occurredAt);
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.occurredAt) - Date.parse(b.event.occurredAt) || (newestFirst ? b.index - a.index : a.index - b.index))
    .map(({ event }) => event);
}

/**
 * Gives each event (already oldest first) its status. `statusOf` answers from what the carrier said; when it
 * cannot tell (an unknown code, DHL's own "unknown"), the parcel is where the previous event left it: a
 * scan nobody can classify should not move an order backwards or invent a problem.
 */
export function withStatuses<E extends ReadEvent>(events: E[], statusOf: (event: E) => TrackingStatus | undefined, first: TrackingStatus = 'IN_TRANSIT'): TrackingEvent[] {
  let previous: TrackingStatus | undefined;
  return events.map((event) => {
    const status = statusOf(event) ?? previous ?? first;
    previous = status;
    return { status, occurredAt: event.occurredAt, description: event.description, location: event.location, raw: event.raw };
  });
}

/**
 * Last resort for events whose code we do not know: what the words say. Deliberately narrow, ordered so the
 * worse news wins ("could not be delivered and will be returned to the sender" is a return, not a delivery),
 * and blind to "will be delivered" and the like, which are promises rather than facts.
 */
export function statusFromText(text: string): TrackingStatus | undefined {
  const t = text.toLowerCase();
  if (/return(?:ed|ing)? to (?:the )?(?:sender|shipper)|being returned|back to (?:the )?(?:sender|shipper)/.test(t)) return 'RETURNED_TO_SENDER';
  if (/damaged|\blost\b|destroyed|undeliverable|cancell?ed by the (?:sender|shipper)/.test(t)) return 'FAILURE';
  if (/attempt|could not (?:be )?deliver|unable to deliver|not (?:at home|present)|no one (?:was )?(?:in|home)|nobody (?:was )?(?:in|home)/.test(t)) return 'ATTEMPTED_DELIVERY';
  if (/(?:ready|available) (?:for|to) (?:collect|collection|pick-?up)|awaiting collection/.test(t)) return 'READY_FOR_PICKUP';
  if (/out for delivery|with (?:the )?delivery courier|loaded (?:on|onto) the delivery vehicle|due (?:for|to be) deliver(?:ed|y) today/.test(t)) return 'OUT_FOR_DELIVERY';
  if (/\b(?:has been|was|been) delivered\b|^delivered\b/.test(t)) return 'DELIVERED';
  if (/picked up|collected from (?:the )?(?:sender|shipper)/.test(t)) return 'CARRIER_PICKED_UP';
  if (/delay/.test(t)) return 'DELAYED';
  return undefined;
}

// ---- Internals

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Duck-typed rather than instanceof: fetch's errors (and DOMException) may come from another realm, e.g. under jest.
export function errorField(err: unknown, field: 'name' | 'message' | 'cause'): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[field] : undefined;
}

export function describe(err: unknown): string {
  const message = errorField(err, 'message');
  if (typeof message !== 'string') return String(err);
  // Node's fetch hides the useful part (ECONNREFUSED, ...) in `cause`.
  const cause = errorField(errorField(err, 'cause'), 'message');
  return typeof cause === 'string' ? `${message}: ${cause}` : message;
}
