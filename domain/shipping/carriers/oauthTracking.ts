import { CarrierRejectedError, type Booking, type BookingRequest, type CarrierAdapter, type TrackingInfo, type TrackingStatus } from './carrier';
import { BookThroughEasyPost } from './bookThroughEasyPost';
import { ClientCredentialsTokens, errorSummary, exchange, isTransient, unavailable, type ClientCredentialsOptions, type HttpAnswer, type HttpCall } from './oauth';

/**
 * What FedEx and UPS have in common: tracking through the carrier's own API with an OAuth client-credentials
 * token, labels bought and voided through EasyPost, and one way of reading a refused call.
 */

export interface OAuthTrackingOptions {
  /** The carrier's name in messages: 'FedEx', 'UPS'. */
  carrier: string;
  /** Books and cancels its labels, normally `new EasyPostAdapter({ carrier, ... })`. */
  bookings?: CarrierAdapter;
  timeoutMs: number;
  tokens: Omit<ClientCredentialsOptions, 'carrier' | 'timeoutMs' | 'now'>;
  now?: () => number;
}

export abstract class OAuthTrackingAdapter implements CarrierAdapter {
  abstract readonly name: string;
  /** Exposed so tests (and metrics, if wanted) can see how often a token was fetched. */
  readonly tokens: ClientCredentialsTokens;
  protected readonly timeoutMs: number;
  private readonly bookings: BookThroughEasyPost;

  constructor({ carrier, bookings, timeoutMs, tokens, now }: OAuthTrackingOptions) {
    this.timeoutMs = timeoutMs;
    this.bookings = new BookThroughEasyPost(carrier, bookings);
    this.tokens = new ClientCredentialsTokens({ ...tokens, carrier, timeoutMs, now });
  }

  book(req: BookingRequest): Promise<Booking> {
    return this.bookings.book(req);
  }

  cancel(trackingNumber: string): Promise<void> {
    return this.bookings.cancel(trackingNumber);
  }

  abstract track(trackingNumber: string): Promise<TrackingInfo>;

  /** One tracking call with a bearer token; resolves only with a 200, every other answer is thrown as a carrier error. */
  protected async trackingCall(what: string, url: string, call: (token: string) => HttpCall): Promise<HttpAnswer> {
    const answer = await this.tokens.authorised((token) => exchange(url, call(token), this.timeoutMs, what));
    if (answer.status === 200) return answer;
    const { code, message } = errorSummary(answer.body);
    const detail = `${what}: ${answer.status} ${[code, message].filter(Boolean).join(' ') || 'no error detail'}`;
    // 401 after a fresh token, or 403 (a blocked merchant or project): our account, not the parcel; worth
    // retrying once someone fixes it.
    if (isTransient(answer.status) || answer.status === 401 || answer.status === 403) throw unavailable(answer, detail);
    // 404 (an unknown number) and 400 (a malformed one) would repeat on retry.
    throw new CarrierRejectedError(detail, code ?? `HTTP_${answer.status}`);
  }
}

/**
 * Both carriers file a missed delivery ("customer not available or business closed"), a return under way and
 * genuine failures under one exception code; only the wording tells them apart. Anything that needs a person (an
 * address, damage, customs, a refusal) stays a failure. `delays`: UPS also files weather and network delays
 * there, while FedEx has delay codes of its own.
 */
export function refineException(status: TrackingStatus, words: string, { delays = false }: { delays?: boolean } = {}): TrackingStatus {
  if (status !== 'FAILURE') return status;
  if (/return(ed|ing)? to (the )?(shipper|sender)/i.test(words)) return 'RETURNED_TO_SENDER';
  if (/\baddress|\bincorrect|\bmissing|\bdamage|\brefus|\blost\b|\bcustoms\b/i.test(words)) return 'FAILURE';
  if (/\battempt|not available|business (was )?closed|no one (was )?(home|available)/i.test(words)) return 'ATTEMPTED_DELIVERY';
  if (delays && /\bdelay/i.test(words)) return 'DELAYED';
  return status;
}
