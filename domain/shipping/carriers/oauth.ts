import { z } from 'zod';
import { CarrierUnavailableError, type TrackingEvent } from './carrier';
import { retryAfterMs } from './sandbox';

/**
 * OAuth 2 client-credentials tokens (RFC 6749 §4.4) for the carriers that use them (FedEx, UPS), and the
 * one HTTP exchange every carrier adapter in this folder goes through.
 *
 * A token is fetched once and reused until shortly before `expires_in`; a 401 from the API drops it and
 * the call is made once more with a fresh one (a carrier may revoke tokens early, e.g. on a key rotation).
 */

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
}

export interface HttpCall {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Sends one request and reads the whole answer. Only transport failures throw (as CarrierUnavailableError):
 * every HTTP status comes back to the caller, who knows that carrier's error format.
 */
export async function exchange(url: string, call: HttpCall, timeoutMs: number, what: string): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, {
      method: call.method,
      headers: { accept: 'application/json', ...call.headers },
      body: call.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Read inside the try: the timeout also covers a body that stalls half way.
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : parseJson(text) };
  } catch (err) {
    const reason = field(err, 'name') === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describe(err);
    throw new CarrierUnavailableError(`${what} failed: ${reason}`);
  }
}

/** 408, 429 and 5xx: the carrier may well answer differently in a moment. */
export function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function unavailable(answer: HttpAnswer, message: string): CarrierUnavailableError {
  return new CarrierUnavailableError(message, retryAfterMs(answer.headers.get('retry-after')));
}

export interface ClientCredentialsOptions {
  /** Used in error messages only. */
  carrier: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** FedEx reads the pair from the form body; UPS from HTTP Basic (RFC 6749 §2.3.1 allows both). */
  clientAuth: 'form' | 'basic';
  /** Extra headers for the token request, e.g. UPS's optional `x-merchant-id`. */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Refresh this long before the carrier's expiry so a token never dies in flight (capped at half its life). */
  refreshMarginMs?: number;
  now?: () => number;
}

// UPS sends expires_in as a string ("14399"), FedEx as a number.
const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.number().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
});

interface CachedToken {
  token: string;
  refreshAt: number;
}

export class ClientCredentialsTokens {
  private readonly options: Required<ClientCredentialsOptions>;
  private cached?: CachedToken;
  private pending?: Promise<string>;
  /** Tokens issued by the carrier since start; tests read it to prove reuse. */
  fetched = 0;

  constructor(options: ClientCredentialsOptions) {
    // Field by field: callers pass their own optional settings through, and an explicit undefined must not
    // replace a default.
    this.options = {
      ...options,
      headers: options.headers ?? {},
      timeoutMs: options.timeoutMs ?? 10_000,
      refreshMarginMs: options.refreshMarginMs ?? 60_000,
      now: options.now ?? Date.now,
    };
  }

  async token(): Promise<string> {
    const cached = this.cached;
    if (cached && this.options.now() < cached.refreshAt) return cached.token;
    // One request for everybody who asks while it is under way, rather than one each.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets `token` after the API refused it; a token another caller already replaced is left alone. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  /**
   * Makes `call` with a token and, if the API answers 401, once more with a fresh one. A second 401 is
   * returned to the caller: the credentials themselves are then refused and another round cannot help.
   */
  async authorised(call: (token: string) => Promise<HttpAnswer>): Promise<HttpAnswer> {
    const first = await this.token();
    const answer = await call(first);
    if (answer.status !== 401) return answer;
    this.invalidate(first);
    return call(await this.token());
  }

  private async fetchToken(): Promise<string> {
    const { carrier, tokenUrl, clientId, clientSecret, clientAuth, timeoutMs } = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...this.options.headers };
    if (clientAuth === 'form') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    }
    const what = `${carrier} token request`;
    const startedAt = this.options.now();
    const answer = await exchange(tokenUrl, { method: 'POST', headers, body: form.toString() }, timeoutMs, what);
    if (answer.status !== 200) {
      // Refused credentials are a configuration problem, not the parcel's: the call is retried until someone
      // fixes the settings, so they count as unavailable rather than rejected.
      const { code, message } = errorSummary(answer.body);
      throw unavailable(answer, `${what}: ${answer.status} ${[code, message].filter(Boolean).join(' ') || 'no error detail'}`);
    }
    const parsed = tokenSchema.safeParse(answer.body);
    if (!parsed.success) throw new CarrierUnavailableError(`${what}: unreadable token response: ${z.prettifyError(parsed.error)}`);

    const { access_token: token, expires_in: expiresIn } = parsed.data;
    // Without a lifetime the token is kept until the API refuses it; `authorised` then fetches another.
    const lifetimeMs = expiresIn === undefined ? Number.POSITIVE_INFINITY : expiresIn * 1000;
    const margin = Math.min(this.options.refreshMarginMs, lifetimeMs / 2);
    // Counted from the moment we asked: the token started ageing before its answer reached us.
    this.cached = { token, refreshAt: startedAt + lifetimeMs - margin };
    this.fetched += 1;
    return token;
  }
}

/** Best-effort `{ code, message }` from the error shapes carriers use, for messages only. */
export function errorSummary(body: unknown): { code?: string; message?: string } {
  const o = record(body);
  const first = (list: unknown) => (Array.isArray(list) ? record(list[0]) : undefined);
  const err = first(o?.errors) ?? first(record(o?.response)?.errors) ?? record(o?.error);
  if (err) return { code: text(err.code), message: text(err.message) };
  // RFC 6749 §5.2: { error: "invalid_client", error_description }
  return { code: text(o?.error), message: text(o?.error_description) ?? (typeof body === 'string' ? body.slice(0, 200) : undefined) };
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Duck-typed rather than instanceof: fetch's errors (and DOMException) may come from another realm, e.g. under jest.
function field(err: unknown, name: 'name' | 'message' | 'cause'): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

function describe(err: unknown): string {
  const message = field(err, 'message');
  if (typeof message !== 'string') return String(err);
  // Node's fetch hides the useful part (ECONNREFUSED, ...) in `cause`.
  const cause = field(field(err, 'cause'), 'message');
  return typeof cause === 'string' ? `${message}: ${cause}` : message;
}

/**
 * Carrier timestamps in ISO 8601 (UTC); a stamp without a zone is read as UTC rather than as this host's zone.
 * Undefined when unreadable: adapters drop such scans rather than invent a time for them.
 */
export function isoInstant(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const value = raw.trim();
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(zoned || dateOnly ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** "City, Region, CC" from whichever parts a carrier sent. */
export function placeName(...parts: Array<string | null | undefined>): string | undefined {
  const kept = parts.map((p) => p?.trim()).filter((p): p is string => !!p);
  return kept.length === 0 ? undefined : [...new Set(kept)].join(', ');
}

/**
 * The carrier's scans as our events, oldest first. A scan that does not fit `schema`, or that `read` cannot
 * date, is dropped rather than given an invented time; the rest of the journey still counts.
 */
export function readScans<S>(
  scans: unknown[] | null | undefined,
  schema: z.ZodType<S>,
  carrierOrder: 'newest-first' | 'oldest-first',
  read: (scan: S) => Omit<TrackingEvent, 'raw'> | undefined,
): TrackingEvent[] {
  const events: TrackingEvent[] = [];
  for (const raw of scans ?? []) {
    const scan = schema.safeParse(raw);
    const event = scan.success ? read(scan.data) : undefined;
    if (event) events.push({ ...event, raw });
  }
  return chronological(events, carrierOrder);
}

/**
 * Oldest first, as TrackingInfo promises, whatever order the carrier used. Scans that share a timestamp keep
 * their relative order reversed when the carrier lists newest first, so the later scan still comes last.
 */
export function chronological<T extends { occurredAt: string }>(events: T[], carrierOrder: 'newest-first' | 'oldest-first'): T[] {
  const ordered = carrierOrder === 'newest-first' ? [...events].reverse() : [...events];
  return ordered
    .map((e, i) => ({ e, i, t: Date.parse(e.occurredAt) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ e }) => e);
}
