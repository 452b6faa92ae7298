import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { FaultPlan, jsonFixtures, listenLocally, readBody, readJsonFixture, type FaultMatch, type Json } from '../localServer';

/**
 * A local stand-in for EasyPost's API v2, in EasyPost's wire format, with rates, trackers and error bodies from
 * test/fixtures/carriers/easypost:
 *
 *   POST /v2/shipments                 { shipment: { reference, to_address, from_address, parcel, carrier_accounts? } }
 *                                      → 201 the Shipment with `rates` (rates.json, limited to carrier_accounts);
 *                                        422 ADDRESS.VERIFY.FAILURE when street1 contains "UNDELIVERABLE"
 *                                        (EasyPost's own example of an address it cannot verify)
 *   GET  /v2/shipments/{id|reference}  → the Shipment (a reference stands in for the id, as EasyPost allows); 404
 *   POST /v2/shipments/{id}/rerate     → { rates } regenerated for the shipment
 *   POST /v2/shipments/{id}/buy        { rate: { id } } → the Shipment with tracking_code, postage_label, tracker
 *   POST /v2/shipments/{id}/refund     → refund_status "submitted", or "rejected" once the carrier has the parcel;
 *                                        a repeated refund is refused with 422 (to exercise that path)
 *   GET  /v2/trackers?tracking_code=&carrier=  → { trackers, has_more }, newest first (fixtures + bought labels)
 *
 * Auth: HTTP Basic with the API key as user name. Fault injection: `failNext` answers the next matching requests
 * with 429 (+ Retry-After) or 5xx; `withholdRates` leaves a carrier's rates out (with a rate_error message), as
 * when its account is not linked or its rating service is down.
 */

export const EASYPOST_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'easypost');

type JsonObject = { [key: string]: Json };

export interface FakeEasyPostRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  status: number;
}

export interface FakeEasyPostShipment {
  id: string;
  reference: string | null;
  /** The `shipment` object as we received it. */
  request: JsonObject;
  rates: JsonObject[];
  messages: JsonObject[];
  selectedRate?: JsonObject;
  trackingCode?: string;
  refundStatus?: 'submitted' | 'rejected';
  createdAt: string;
}

export interface FakeEasyPost {
  url: string;
  apiKey: string;
  shipments: FakeEasyPostShipment[];
  requests: FakeEasyPostRequest[];
  /** Tracking codes of the tracker fixtures, by fixture name. */
  fixtures: Readonly<Record<string, { trackingCode: string; carrier: string }>>;
  /** The next n requests matching `match` (all requests when omitted) get `status`. */
  failNext(n: number, status?: number, retryAfterSeconds?: number, match?: FaultMatch): void;
  /** Rates for these carriers are left out of new shipments and rerates until called again without them. */
  withholdRates(...carriers: string[]): void;
  /** Moves a bought parcel along, e.g. to in_transit so that a refund is refused. */
  setTrackerStatus(trackingCode: string, status: string): void;
  close(): Promise<void>;
}

export function readEasyPostFixture(name: string): Json {
  return readJsonFixture(EASYPOST_FIXTURES, name);
}

const hex = (bytes = 16) => randomBytes(bytes).toString('hex');

export async function startFakeEasyPost(opts: { apiKey?: string } = {}): Promise<FakeEasyPost> {
  const apiKey = opts.apiKey ?? `EZTK${hex()}`;
  const errors = readEasyPostFixture('errors') as Record<string, Json>;
  const offeredRates = (readEasyPostFixture('rates') as { rates: JsonObject[] }).rates;
  const trackers: JsonObject[] = jsonFixtures(path.join(EASYPOST_FIXTURES, 'trackers')).map(({ name, body }) => ({ ...(body as JsonObject), _fixture: name }));
  const shipments: FakeEasyPostShipment[] = [];
  const requests: FakeEasyPostRequest[] = [];
  const faults = new FaultPlan();
  let sequence = 0;
  let withheld: string[] = [];
  const ratesFor = (shipmentId: string, accounts: string[] | undefined, createdAt: string): JsonObject[] =>
    offeredRates
      .filter((r) => (!accounts || accounts.includes(String(r.carrier_account_id))) && !withheld.includes(String(r.carrier)))
      .map((r) => ({ id: `rate_${hex()}`, object: 'Rate', mode: 'test', shipment_id: shipmentId, created_at: createdAt, ...r }));

  const fake: FakeEasyPost = {
    url: '',
    apiKey,
    shipments,
    requests,
    fixtures: Object.fromEntries(trackers.map((t) => [String(t._fixture), { trackingCode: String(t.tracking_code), carrier: String(t.carrier) }])),
    failNext: (n, status, retryAfterSeconds, match) => faults.failNext(n, status, retryAfterSeconds, match),
    withholdRates(...carriers) {
      withheld = carriers;
    },
    setTrackerStatus(trackingCode, status) {
      const tracker = trackers.find((t) => t.tracking_code === trackingCode);
      if (!tracker) throw new Error(`no tracker ${trackingCode}`);
      tracker.status = status;
    },
    close: () => server.close(),
  };

  const render = (s: FakeEasyPostShipment): JsonObject => {
    const tracker = s.trackingCode ? trackers.find((t) => t.tracking_code === s.trackingCode) : undefined;
    const { _fixture: _ignored, ...trackerJson } = tracker ?? {};
    return {
      id: s.id,
      object: 'Shipment',
      mode: 'test',
      reference: s.reference,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      status: tracker ? (tracker.status as Json) : 'unknown',
      tracking_code: s.trackingCode ?? null,
      to_address: { id: `adr_${hex()}`, object: 'Address', ...(s.request.to_address as JsonObject) },
      from_address: { id: `adr_${hex()}`, object: 'Address', ...(s.request.from_address as JsonObject) },
      parcel: { id: `prcl_${hex()}`, object: 'Parcel', ...(s.request.parcel as JsonObject) },
      rates: s.rates,
      selected_rate: s.selectedRate ?? null,
      postage_label: s.trackingCode
        ? {
            object: 'PostageLabel',
            id: `pl_${s.id.slice(4)}`,
            label_file_type: 'image/png',
            label_size: '4x6',
            label_url: `${fake.url}/files/postage_label/${s.id}.png`,
            label_pdf_url: null,
          }
        : null,
      tracker: tracker ? trackerJson : null,
      refund_status: s.refundStatus ?? null,
      messages: s.messages,
      fees: [],
      is_return: false,
    };
  };

  const server = await listenLocally(async (req, res) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-easypost');
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const answer = (status: number, payload: Json, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, name: string, headers?: Record<string, string>) => answer(status, errors[name], headers);

    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const user = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : undefined;
    if (user !== apiKey) return error(401, 'unauthorized');

    const fault = faults.take(req.method, url.pathname);
    if (fault) return error(fault.status, fault.status === 429 ? 'tooManyRequests' : 'serviceUnavailable', fault.headers);

    if (req.method === 'POST' && url.pathname === '/v2/shipments') {
      const shipment = (body as { shipment?: JsonObject } | undefined)?.shipment;
      const weight = (shipment?.parcel as JsonObject | undefined)?.weight;
      if (!shipment || typeof weight !== 'number' || weight <= 0 || !shipment.to_address || !shipment.from_address) return error(422, 'invalidRequest');
      if (String((shipment.to_address as JsonObject).street1 ?? '').toUpperCase().includes('UNDELIVERABLE')) return error(422, 'addressVerifyFailure');
      const id = `shp_${hex()}`;
      const accounts = Array.isArray(shipment.carrier_accounts) ? (shipment.carrier_accounts as string[]) : undefined;
      const createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const created: FakeEasyPostShipment = {
        id,
        reference: typeof shipment.reference === 'string' ? shipment.reference : null,
        request: shipment,
        rates: ratesFor(id, accounts, createdAt),
        messages: withheld.map((carrier) => ({ carrier, type: 'rate_error', message: `${carrier}: no rates returned for this account` })),
        createdAt,
      };
      shipments.push(created);
      return answer(201, render(created));
    }

    const one = /^\/v2\/shipments\/([^/]+)(?:\/(buy|refund|rerate))?$/.exec(url.pathname);
    if (one) {
      const key = decodeURIComponent(one[1]);
      const action = one[2];
      // A reference may stand in for the id; the newest shipment with it wins.
      const s = shipments.find((x) => x.id === key) ?? (action ? undefined : [...shipments].reverse().find((x) => x.reference === key));
      if (!s) return error(404, 'notFound');
      if (req.method === 'GET' && !action) return answer(200, render(s));

      if (req.method === 'POST' && action === 'rerate') {
        const accounts = Array.isArray(s.request.carrier_accounts) ? (s.request.carrier_accounts as string[]) : undefined;
        s.rates = ratesFor(s.id, accounts, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
        s.messages = withheld.map((carrier) => ({ carrier, type: 'rate_error', message: `${carrier}: no rates returned for this account` }));
        return answer(200, { rates: s.rates });
      }

      if (req.method === 'POST' && action === 'buy') {
        const rateId = (body as { rate?: { id?: unknown } } | undefined)?.rate?.id;
        const rate = s.rates.find((r) => r.id === rateId);
        if (!rate) return error(422, 'invalidRequest');
        if (s.trackingCode) return answer(422, { error: { code: 'SHIPMENT.POSTAGE.EXISTS', message: 'Postage already exists for this shipment.', errors: [] } });
        sequence += 1;
        s.selectedRate = rate;
        s.trackingCode = trackingCodeFor(String(rate.carrier), sequence);
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        trackers.unshift({
          id: `trk_${hex()}`,
          object: 'Tracker',
          mode: 'test',
          tracking_code: s.trackingCode,
          status: 'pre_transit',
          status_detail: 'status_update',
          created_at: now,
          updated_at: now,
          est_delivery_date: null,
          shipment_id: s.id,
          carrier: rate.carrier,
          tracking_details: [
            {
              object: 'TrackingDetail',
              message: 'Shipping label created',
              description: '',
              status: 'pre_transit',
              status_detail: 'status_update',
              datetime: now,
              source: rate.carrier,
              tracking_location: { object: 'TrackingLocation', city: 'LONDON', state: null, country: 'GB', zip: 'E16' },
            },
          ],
          _fixture: null,
        });
        return answer(200, render(s));
      }

      if (req.method === 'POST' && action === 'refund') {
        if (!s.trackingCode) return error(422, 'invalidRequest');
        if (s.refundStatus) {
          return answer(422, { error: { code: 'SHIPMENT.REFUND.ALREADY_REQUESTED', message: 'A refund has already been requested for this shipment.', errors: [] } });
        }
        const tracker = trackers.find((t) => t.tracking_code === s.trackingCode);
        s.refundStatus = tracker && !['unknown', 'pre_transit'].includes(String(tracker.status)) ? 'rejected' : 'submitted';
        return answer(200, render(s));
      }
    }

    if (req.method === 'GET' && url.pathname === '/v2/trackers') {
      const found = trackers
        .filter((t) => (!query.tracking_code || t.tracking_code === query.tracking_code) && (!query.carrier || t.carrier === query.carrier))
        .map(({ _fixture: _ignored, ...t }) => t);
      return answer(200, { trackers: found, has_more: false });
    }

    return error(404, 'notFound');
  });
  fake.url = server.url;
  return fake;
}

/** Numbers shaped like each carrier's, so a label in a test looks like the real thing. */
function trackingCodeFor(carrier: string, n: number): string {
  const digits = String(n).padStart(8, '0');
  switch (carrier) {
    case 'RoyalMail':
      return `DY9${digits}GB`;
    case 'UPS':
      return `1ZDY0001680${digits.slice(1)}`;
    case 'FedEx':
      return `7946${digits}`;
    case 'DPDUK':
      return `155099${digits}`;
    default:
      return `47${digits}`;
  }
}
