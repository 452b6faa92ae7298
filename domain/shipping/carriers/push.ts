import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { TrackingPush } from './carrier';

/**
 * What every carrier push (UPS Track Alert, the sandbox's signed pushes) needs before it may signal a shipment:
 * a secret compared without leaking it through timing, and a payload read into our TrackingPush with each bad
 * field named.
 */

/**
 * Compares digests rather than the strings: they always have the same length, so neither the secret's content
 * nor its length shows in how long a wrong guess takes. A missing side never matches: an unconfigured secret
 * must refuse everything rather than accept an empty header.
 */
export function secretsMatch(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A schema whose output is the TrackingPush built from `shape`'s reading of the body, while each event's `raw`
 * can keep what the carrier sent byte for byte (untrimmed, unknown fields included). `build` reports problems
 * it finds beyond `shape` (an unreadable time) with `ctx.addIssue` and returns z.NEVER.
 */
export function pushSchema<S extends z.ZodType>(
  shape: S,
  build: (data: z.output<S>, raw: unknown, ctx: z.RefinementCtx) => TrackingPush,
): z.ZodType<TrackingPush> {
  return z.unknown().transform((raw, ctx) => {
    const read = shape.safeParse(raw);
    if (!read.success) {
      for (const issue of read.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return build(read.data, raw, ctx);
  });
}
