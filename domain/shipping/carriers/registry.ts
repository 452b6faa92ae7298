import type { Config } from '../../../lib/config';
import { CARRIER_NAMES, carrierNameSchema, CarrierRejectedError, type CarrierAdapter, type CarrierName } from './carrier';
import { BookThroughEasyPost } from './bookThroughEasyPost';
import { DhlTracker } from './dhl';
import { DpdTracker } from './dpd';
import { EasyPostAdapter, type EasyPostCarrier } from './easypost';
import { FedExAdapter } from './fedex';
import { RoyalMailTracker, type CarrierTracker } from './royalMail';
import { UpsAdapter } from './ups';
import { SandboxCarrierAdapter } from './sandbox';

/**
 * Which adapter serves each of the store's carriers. A carrier whose credentials are configured is the real
 * thing: tracking through its own API, labels bought through EasyPost. Any other carrier is played by the
 * sandbox carrier under that carrier's name, so dev and demos run every carrier's order path without accounts.
 * Production never gets that far with a fake: lib/config.ts refuses to start it without a real CARRIER_URL.
 */

export type BookingService = 'easypost' | 'sandbox';
export type TrackingService = 'royal-mail-api' | 'dpd-api' | 'fedex-api' | 'ups-api' | 'dhl-api' | 'sandbox';

export interface CarrierRoute {
  carrier: CarrierName;
  books: BookingService;
  tracks: TrackingService;
  /** Why, in words an operator can act on (which setting is missing). */
  reason: string;
}

export interface CarrierRegistry {
  forCarrier(name: CarrierName): CarrierAdapter;
  describe(): CarrierRoute[];
}

export type CarrierRegistryConfig = Pick<
  Config,
  | 'CARRIER_URL'
  | 'SANDBOX_CARRIER_HOST'
  | 'SANDBOX_CARRIER_PORT'
  | 'EASYPOST_API_URL'
  | 'EASYPOST_API_KEY'
  | 'ROYAL_MAIL_API_URL'
  | 'ROYAL_MAIL_CLIENT_ID'
  | 'ROYAL_MAIL_CLIENT_SECRET'
  | 'DPD_API_URL'
  | 'FEDEX_API_URL'
  | 'FEDEX_CLIENT_ID'
  | 'FEDEX_CLIENT_SECRET'
  | 'UPS_API_URL'
  | 'UPS_TOKEN_URL'
  | 'UPS_CLIENT_ID'
  | 'UPS_CLIENT_SECRET'
  | 'DHL_API_URL'
  | 'DHL_API_KEY'
>;

export interface CarrierRegistryOptions {
  timeoutMs?: number;
  /** DPD narrows a lookup by the recipient's postcode when it has one (see dpd.ts). */
  dpdPostcodeFor?: (trackingNumber: string) => Promise<string | undefined>;
  /** Sent on every sandbox request; tests use it for `X-Sandbox-Fault`. */
  sandboxHeaders?: Record<string, string>;
  now?: () => number;
}

/** EasyPost's names for our carriers. */
const EASYPOST_NAME: Readonly<Record<CarrierName, EasyPostCarrier>> = {
  'royal-mail': 'RoyalMail',
  dpd: 'DPDUK',
  fedex: 'FedEx',
  ups: 'UPS',
  dhl: 'DHLExpress',
};

const TRACKING_API: Readonly<Record<CarrierName, TrackingService>> = {
  'royal-mail': 'royal-mail-api',
  dpd: 'dpd-api',
  fedex: 'fedex-api',
  ups: 'ups-api',
  dhl: 'dhl-api',
};

/** The tracking credentials each carrier's API needs; DPD's public tracking needs none. */
function missingTrackingSettings(config: CarrierRegistryConfig, carrier: CarrierName): string[] {
  const required: Record<CarrierName, Array<keyof CarrierRegistryConfig>> = {
    'royal-mail': ['ROYAL_MAIL_CLIENT_ID', 'ROYAL_MAIL_CLIENT_SECRET'],
    dpd: [],
    fedex: ['FEDEX_CLIENT_ID', 'FEDEX_CLIENT_SECRET'],
    ups: ['UPS_CLIENT_ID', 'UPS_CLIENT_SECRET'],
    dhl: ['DHL_API_KEY'],
  };
  return required[carrier].filter((key) => !config[key]);
}

/** Where the sandbox carrier answers: CARRIER_URL, else the host and port it listens on. */
export function sandboxCarrierUrl(config: Pick<Config, 'CARRIER_URL' | 'SANDBOX_CARRIER_HOST' | 'SANDBOX_CARRIER_PORT'>): string {
  if (config.CARRIER_URL) return config.CARRIER_URL;
  // A wildcard is where it listens (0.0.0.0 in containers), not an address to call.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.SANDBOX_CARRIER_HOST) ? '127.0.0.1' : config.SANDBOX_CARRIER_HOST;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.SANDBOX_CARRIER_PORT}`;
}

export function createCarrierRegistry(config: CarrierRegistryConfig, opts: CarrierRegistryOptions = {}): CarrierRegistry {
  const routes = CARRIER_NAMES.map((carrier): CarrierRoute => {
    const missing = [...missingTrackingSettings(config, carrier), ...(config.EASYPOST_API_KEY ? [] : ['EASYPOST_API_KEY' as const])];
    // Half a carrier is no use: a label bought from the sandbox cannot be tracked by the real API, and a real
    // label cannot be bought without EasyPost, so both halves are real or neither is.
    if (missing.length === 0) return { carrier, books: 'easypost', tracks: TRACKING_API[carrier], reason: 'credentials configured' };
    return { carrier, books: 'sandbox', tracks: 'sandbox', reason: `sandbox stand-in: ${missing.join(', ')} not set` };
  });
  // One adapter per carrier for the life of the registry, so OAuth tokens are fetched once and reused.
  const adapters = new Map<CarrierName, CarrierAdapter>();

  const build = (route: CarrierRoute): CarrierAdapter => {
    const { carrier } = route;
    if (route.books === 'sandbox') {
      return new SandboxCarrierAdapter({ baseUrl: sandboxCarrierUrl(config), carrier, headers: opts.sandboxHeaders, timeoutMs: opts.timeoutMs });
    }
    const bookings = new EasyPostAdapter({ apiUrl: config.EASYPOST_API_URL, apiKey: config.EASYPOST_API_KEY as string, carrier: EASYPOST_NAME[carrier], timeoutMs: opts.timeoutMs });
    const { timeoutMs, now } = opts;
    switch (carrier) {
      case 'fedex':
        return new FedExAdapter({ apiUrl: config.FEDEX_API_URL, clientId: config.FEDEX_CLIENT_ID as string, clientSecret: config.FEDEX_CLIENT_SECRET as string, bookings, timeoutMs, now });
      case 'ups':
        return new UpsAdapter({ apiUrl: config.UPS_API_URL, tokenUrl: config.UPS_TOKEN_URL, clientId: config.UPS_CLIENT_ID as string, clientSecret: config.UPS_CLIENT_SECRET as string, bookings, timeoutMs, now });
      case 'royal-mail':
        return withBookings(RoyalMailTracker.fromConfig(config, timeoutMs), new BookThroughEasyPost('Royal Mail', bookings));
      case 'dpd':
        return withBookings(DpdTracker.fromConfig(config, { postcodeFor: opts.dpdPostcodeFor, timeoutMs }), new BookThroughEasyPost('DPD', bookings));
      case 'dhl':
        return withBookings(DhlTracker.fromConfig(config, { timeoutMs }), new BookThroughEasyPost('DHL', bookings));
    }
  };

  return {
    forCarrier(name) {
      // Names come from the database and admins' choices at run time, whatever the type says.
      const parsed = carrierNameSchema.safeParse(name);
      if (!parsed.success) throw new CarrierRejectedError(`no such carrier: ${String(name)} (one of ${CARRIER_NAMES.join(', ')})`, 'UNKNOWN_CARRIER');
      let adapter = adapters.get(parsed.data);
      if (!adapter) {
        adapter = build(routes.find((r) => r.carrier === parsed.data) as CarrierRoute);
        adapters.set(parsed.data, adapter);
      }
      return adapter;
    },
    describe: () => routes.map((r) => ({ ...r })),
  };
}

/** A tracking-only adapter (Royal Mail, DPD, DHL) with its labels bought through EasyPost. */
function withBookings(tracker: CarrierTracker, bookings: BookThroughEasyPost): CarrierAdapter {
  return {
    name: tracker.name,
    track: (trackingNumber) => tracker.track(trackingNumber),
    book: (req) => bookings.book(req),
    cancel: (trackingNumber) => bookings.cancel(trackingNumber),
  };
}
