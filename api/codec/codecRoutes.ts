import type { Payload } from '@temporalio/common';
import cors from 'cors';
import express, { Router } from 'express';
import { z } from 'zod';
import { createPayloadCodec, PayloadDecryptionError } from '../../temporal-config/codec';
import { requireAdminToken } from '../admin/auth';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { allowedOrigins } from '../security/cors';
import { securityHeaders } from '../security/headers';

/**
 * The Temporal UI's "codec server": the UI (running in an admin's browser) posts the encrypted payloads of a
 * history to `<endpoint>/decode` and shows what comes back, so staff can read an order's input while the
 * Temporal store itself only ever holds ciphertext. `<endpoint>/encode` serves the UI's "send signal" form.
 *
 * Protocol: POST JSON `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }` → the same shape; the UI
 * adds `X-Namespace` (the keys are ours, whatever the namespace, so it does not select anything).
 *
 * Configuring it — the endpoint is this API's `/api/admin/codec` (the UI appends /decode and /encode):
 *   - dev server:  temporal server start-dev --ui-codec-endpoint http://127.0.0.1:3000/api/admin/codec
 *   - UI server:   TEMPORAL_CODEC_ENDPOINT=https://orders.example/api/admin/codec (config: codec.endpoint),
 *                  or per browser in the UI under "Codec Server".
 *   - CLI:         temporal workflow show -w order-DY-… --codec-endpoint http://127.0.0.1:3000/api/admin/codec
 *                  --codec-auth "Bearer $API_KEY"   (an admin-scoped key: npm run apikey:create)
 * The route wants the admin bearer token (401 without). The UI itself can only forward its own OIDC access
 * token (TEMPORAL_CODEC_PASS_ACCESS_TOKEN), never a static one, so in production put the UI's codec calls
 * through the authenticating proxy staff already sign in to, which adds `Authorization: Bearer
 * $API_KEY` (an admin-scoped key), and tick "Include cross-origin credentials" if that proxy authenticates by cookie.
 *
 * CORS: the UI is another origin. Allowed are CORS_ORIGINS (add the Temporal UI's origin there in
 * production) and, outside production, the dev server's UI on TEMPORAL_UI_PORT. This router is mounted before
 * the API-wide CORS policy because that one answers every preflight itself and does not allow X-Namespace.
 */
export const CODEC_PATH = '/api/admin/codec';

// A Temporal payload may be up to 2 MB and the UI batches a whole event's payloads; base64 adds a third.
// Only parsed after the admin token is checked, so an anonymous client cannot make us parse this much.
const CODEC_BODY_LIMIT = '8mb';

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const wirePayloadSchema = z.object({
  metadata: z.record(z.string().max(200), base64).nullish(),
  data: base64.nullish(),
});
export const codecRequestSchema = z.object({ payloads: z.array(wirePayloadSchema).max(10_000, 'at most 10000 payloads per request') });

type WirePayload = z.infer<typeof wirePayloadSchema>;

const toBytes = (b64: string): Uint8Array => {
  const buf = Buffer.from(b64, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
};
const toBase64 = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString('base64');

export function fromWire(p: WirePayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBytes(v)])),
    data: toBytes(p.data ?? ''),
  };
}

export function toWire(p: Payload): { metadata: Record<string, string>; data: string } {
  return { metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])), data: toBase64(p.data) };
}

function codecOrigins(ctx: ApiContext): string[] {
  const origins = allowedOrigins(ctx.config);
  if (ctx.config.NODE_ENV !== 'production') {
    const port = ctx.config.TEMPORAL_UI_PORT;
    origins.push(`http://127.0.0.1:${port}`, `http://localhost:${port}`);
  }
  return [...new Set(origins)];
}

export function codecRoutes(ctx: ApiContext): Router {
  const router = Router();
  // Built once: a bad key list fails the API's start, not an admin's first click.
  const codec = createPayloadCodec(ctx.config);

  router.use(
    CODEC_PATH,
    securityHeaders(ctx.config),
    cors({
      origin: codecOrigins(ctx),
      // The UI's "Include cross-origin credentials" needs this echoed, or the browser drops the answer.
      credentials: true,
      methods: ['POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'X-Namespace', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
    requireAdminToken(ctx),
    express.json({ limit: CODEC_BODY_LIMIT }),
  );

  const handle = (direction: 'encode' | 'decode') => async (req: express.Request, res: express.Response) => {
    const body = parse(codecRequestSchema, req.body ?? {});
    const payloads = body.payloads.map(fromWire);
    let out: Payload[];
    try {
      // Without keys there is nothing to undo or apply: plain payloads are answered as they came.
      out = codec ? await codec[direction](payloads) : payloads;
    } catch (err) {
      if (err instanceof PayloadDecryptionError) throw new HttpError(400, 'UNDECODABLE_PAYLOAD', err.message);
      throw err;
    }
    // Decoded customer data must not linger in a browser or proxy cache.
    res.set('Cache-Control', 'no-store');
    res.json({ payloads: out.map(toWire) });
  };

  router.post(`${CODEC_PATH}/decode`, handle('decode'));
  router.post(`${CODEC_PATH}/encode`, handle('encode'));
  return router;
}
