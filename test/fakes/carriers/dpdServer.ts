import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { readJsonFixture } from '../localServer';
import { startTrackingFake, type FakeTrackingServer } from './trackingFake';

/**
 * A local stand-in for DPD UK's tracking endpoints as public open-source trackers use them (DPD publishes no
 * spec): `/v1/track?parcel=&postcode=` redirects (302) to the parcel's page on track.dpd.co.uk, whose last path
 * segment is the parcel code, and `/v1/parcels/{parcelCode}/parcelevents` answers `{ data: [...] }` from the
 * fixtures in test/fixtures/carriers/dpd (parcels.json says which parcel gets which events).
 *
 * DPD's public endpoints take no credentials; `requiredHeaders` emulates a gateway in front of them that does.
 * A postcode, when sent, must match the parcel's, as DPD's own site insists.
 */

export const DPD_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'dpd');

export function dpdFixture(name: string): unknown {
  return readJsonFixture(DPD_FIXTURES, name);
}

export interface DpdFixtureParcel {
  parcelNumber: string;
  postcode: string;
  parcelCode: string;
  events: string;
}

export function dpdFixtureParcels(): DpdFixtureParcel[] {
  return (dpdFixture('parcels.json') as { parcels: DpdFixtureParcel[] }).parcels;
}

export type FakeDpd = FakeTrackingServer;

const normalisePostcode = (pc: string): string => pc.replace(/\s+/g, '').toUpperCase();

export async function startFakeDpd(opts: { requiredHeaders?: Record<string, string> } = {}): Promise<FakeDpd> {
  const parcels = dpdFixtureParcels();
  const notFound = () => ({ status: 404, body: dpdFixture('error-not-found.json') });

  return startTrackingFake({
    fixtures: DPD_FIXTURES,
    authorised: (headers) => Object.entries(opts.requiredHeaders ?? {}).every(([name, value]) => headers[name.toLowerCase()] === value),
    route: ({ method, url }) => {
      if (method !== 'GET') return notFound();
      if (url.pathname === '/v1/track') {
        const number = (url.searchParams.get('parcel') ?? '').replace(/\s+/g, '');
        const postcode = url.searchParams.get('postcode');
        const parcel = parcels.find((p) => p.parcelNumber === number && (!postcode || normalisePostcode(postcode) === normalisePostcode(p.postcode)));
        if (!parcel) return notFound();
        return { status: 302, headers: { location: `https://track.dpd.co.uk/parcels/${encodeURIComponent(parcel.parcelCode)}` } };
      }
      const events = /^\/v1\/parcels\/([^/]+)\/parcelevents$/.exec(url.pathname);
      const parcel = events ? parcels.find((p) => p.parcelCode === decodeURIComponent(events[1])) : undefined;
      return parcel ? { status: 200, body: dpdFixture(parcel.events) } : notFound();
    },
  });
}
