import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { jsonFixtures, readJsonFixture } from '../localServer';
import { startTrackingFake, type FakeTrackingServer } from './trackingFake';

/**
 * A local stand-in for DHL Shipment Tracking - Unified (`GET /track/shipments?trackingNumber=`), answering from
 * the fixtures in test/fixtures/carriers/dhl: each `shipments` fixture is served for its shipment id, anything
 * else gets DHL's 404 problem document. The DHL-API-Key header is checked; errors are application/problem+json.
 */

export const DHL_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'dhl');

export function dhlFixture(name: string): unknown {
  return readJsonFixture(DHL_FIXTURES, name);
}

export interface FakeDhl extends FakeTrackingServer {
  apiKey: string;
}

export async function startFakeDhl(opts: { apiKey?: string } = {}): Promise<FakeDhl> {
  const apiKey = opts.apiKey ?? 'fake-dhl-api-key';
  const byId = new Map<string, unknown>();
  for (const { body } of jsonFixtures(DHL_FIXTURES)) {
    for (const s of (body as { shipments?: Array<{ id: string | number }> }).shipments ?? []) byId.set(String(s.id), body);
  }

  const fake = await startTrackingFake({
    fixtures: DHL_FIXTURES,
    authorised: (headers) => headers['dhl-api-key'] === apiKey,
    contentType: (status) => (status < 400 ? 'application/json' : 'application/problem+json'),
    route: ({ method, url }) => {
      if (url.pathname !== '/track/shipments' || method !== 'GET') {
        return { status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'Resource not found' } };
      }
      const number = url.searchParams.get('trackingNumber');
      if (!number) return { status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'trackingNumber is required' } };
      const found = byId.get(number);
      return found ? { status: 200, body: found } : { status: 404, body: dhlFixture('error-not-found.json') };
    },
  });
  return { ...fake, apiKey };
}
