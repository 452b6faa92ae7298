import { z } from 'zod';
import type { TrackingPush } from './carrier';

/**
 * What every carrier push (UPS Track Alert, the sandbox's signed pushes) needs before it may signal a shipment,
 * besides its secret (compared with lib/secrets.ts): a payload read into our TrackingPush with each bad field named.
 */

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
