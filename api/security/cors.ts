import cors from 'cors';
import type { RequestHandler } from 'express';
import type { Config } from '../../lib/config';

/**
 * Browser origins allowed to call the API, normalised to `scheme://host[:port]` so an operator's trailing
 * slash or path does not silently lock the storefront out. A value that is not a URL is a misconfiguration
 * of a security control: refuse to start rather than guess.
 */
export function allowedOrigins(config: Config): string[] {
  const listed = config.CORS_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean) ?? [];
  const raw = listed.length > 0 ? listed : [config.PUBLIC_BASE_URL];
  return [
    ...new Set(
      raw.map((value) => {
        let origin: string;
        try {
          origin = new URL(value).origin;
        } catch {
          origin = 'null';
        }
        // URL gives "null" for schemes without an origin (file:, data:): a browser's "null" origin is not one we trust.
        if (origin === 'null') throw new Error(`CORS_ORIGINS: "${value}" is not an origin such as https://dyofficial.co.uk`);
        return origin;
      }),
    ),
  ];
}

/**
 * CORS for the configured origins only, compared exactly. Another origin simply gets no
 * Access-Control-Allow-Origin (the browser then withholds the response); it is never an error. Credentials
 * stay off: customers' tokens travel in headers, and the staff session cookie (SameSite=Strict) is only for
 * the pages this API serves itself, which are same-origin and need no CORS.
 */
export function corsPolicy(config: Config): RequestHandler {
  return cors({
    // An array makes cors compare each request's Origin exactly and always send `Vary: Origin`, so a shared
    // cache never hands one origin's answer to another.
    origin: allowedOrigins(config),
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT'],
    allowedHeaders: ['Content-Type', 'Idempotency-Key', 'X-Tracking-Token', 'Authorization', 'Last-Event-ID', 'X-Request-Id', 'X-CSRF-Token'],
    // Not CORS-safelisted, yet a client needs them to back off politely and to quote a request in support.
    exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Request-Id'],
    maxAge: 600,
  });
}
