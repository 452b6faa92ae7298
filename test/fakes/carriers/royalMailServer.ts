import path from 'node:path';
import { projectRoot } from '../../../lib/paths';
import { jsonFixtures, readJsonFixture } from '../localServer';
import { startTrackingFake, type FakeTrackingServer } from './trackingFake';

/**
 * A local stand-in for Royal Mail's Tracking API v2 events operation, answering from the fixtures in
 * test/fixtures/carriers/royal-mail: each `mailPieces` fixture is served for its barcode (summary.oneDBarcode
 * or mailPieceId), anything else gets E1142. Credentials are checked the way the IBM gateway does (401 with
 * `moreInformation`), and X-Accept-RMG-Terms must be "yes".
 */

export const ROYAL_MAIL_FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'carriers', 'royal-mail');

export function royalMailFixture(name: string): unknown {
  return readJsonFixture(ROYAL_MAIL_FIXTURES, name);
}

/** `failNext` answers 429 with E0010, or a 5xx with E0001. */
export interface FakeRoyalMail extends FakeTrackingServer {
  clientId: string;
  clientSecret: string;
}

export interface FakeRoyalMailOptions {
  clientId?: string;
  clientSecret?: string;
  /** Events responses to serve besides the fixtures, e.g. a variant a single test needs. */
  extraPieces?: unknown[];
}

type Piece = { mailPieces?: { mailPieceId?: string; summary?: { oneDBarcode?: string } } };

export async function startFakeRoyalMail(opts: FakeRoyalMailOptions = {}): Promise<FakeRoyalMail> {
  const clientId = opts.clientId ?? 'fake-royal-mail-client-id';
  const clientSecret = opts.clientSecret ?? 'fake-royal-mail-client-secret';
  const byBarcode = new Map<string, unknown>();
  for (const body of [...jsonFixtures(ROYAL_MAIL_FIXTURES).map((f) => f.body), ...(opts.extraPieces ?? [])] as Piece[]) {
    if (!body.mailPieces) continue;
    for (const id of [body.mailPieces.mailPieceId, body.mailPieces.summary?.oneDBarcode]) if (id) byBarcode.set(id, body);
  }

  const fake = await startTrackingFake({
    fixtures: ROYAL_MAIL_FIXTURES,
    authorised: (headers) => headers['x-ibm-client-id'] === clientId && headers['x-ibm-client-secret'] === clientSecret,
    route: ({ method, url, headers }) => {
      const events = /^\/mailpieces\/v2\/([^/]+)\/events$/.exec(url.pathname);
      if (!events || method !== 'GET') return { status: 404, body: { httpCode: '404', httpMessage: 'Not Found', moreInformation: 'No resources match requested URI' } };
      if (headers['x-accept-rmg-terms'] !== 'yes') {
        return { status: 400, body: { httpCode: '400', httpMessage: 'Bad Request', moreInformation: 'X-Accept-RMG-Terms must be yes' } };
      }
      const found = byBarcode.get(decodeURIComponent(events[1]));
      return found ? { status: 200, body: found } : { status: 404, body: royalMailFixture('error-barcode-not-recognised.json') };
    },
  });
  return { ...fake, clientId, clientSecret };
}
