import express, { Router } from 'express';
import { z } from 'zod';
import { eraseCustomerData, type ErasureOutcome } from '../../domain/privacy/erasure';
import { logger as rootLogger } from '../../lib/logger';
import { eraseCustomerSignal } from '../../workflows/orders/definitions';
import { actorFor, requireAdminToken } from '../admin/auth';
import { codecRoutes } from '../codec/codecRoutes';
import type { ApiContext } from '../context';
import { HttpError, parse } from '../errors';
import { corsPolicy } from '../security/cors';
import { securityHeaders } from '../security/headers';
import { actorSchema, emailSchema } from '../schemas';
import { callTemporal, isWorkflowGone } from '../temporal';

const log = rootLogger.child({ component: 'privacy' });

export const ERASE_PATH = '/api/admin/customers/erase';

export const erasureRequestSchema = z
  .object({
    email: emailSchema,
    /** Who asked for it on our side (an admin's name), for the audit row. Never the customer. */
    by: actorSchema.optional(),
  })
  .strict();

/** Temporal's visibility grammar: a double-quoted string with backslash escapes. */
const quoted = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

interface SearchAttributeClear {
  /** Running order workflows sent the eraseCustomer signal; each clears CustomerEmail when it handles it. */
  signalled: string[];
  /** False when Temporal could not be reached: the database part is done, repeat the request for this part. */
  checked: boolean;
}

/**
 * CustomerEmail is a search attribute, indexed in plain text (the codec does not cover search attributes),
 * and only a workflow can change its own: so each running order is signalled and clears it itself. Closed
 * workflows cannot be changed; they, their search attributes and their (encrypted) histories are deleted
 * by Temporal when the namespace retention (TEMPORAL_RETENTION) runs out.
 */
async function clearCustomerEmail(ctx: ApiContext, email: string, outcome: ErasureOutcome): Promise<SearchAttributeClear> {
  const candidates = new Set(outcome.orders.map((o) => o.workflowId));
  const signalled: string[] = [];
  try {
    // Visibility finds the orders our database no longer knows (a restored database, a lost read model).
    await callTemporal(ctx.temporal, 'listing the customer’s running orders', async () => {
      const query = `WorkflowType = "orderWorkflow" AND ExecutionStatus = "Running" AND CustomerEmail = ${quoted(email)}`;
      for await (const wf of ctx.temporal.workflow.list({ query, pageSize: 100 })) candidates.add(wf.workflowId);
    });
    for (const workflowId of candidates) {
      try {
        await callTemporal(ctx.temporal, 'signalling an order to forget its customer', () =>
          ctx.temporal.workflow.getHandle(workflowId).signal(eraseCustomerSignal, { requestId: `erasure-${outcome.erasureId}` }),
        );
        signalled.push(workflowId);
      } catch (err) {
        // A closed order cannot be signalled: nothing to clear there until retention removes it.
        if (!isWorkflowGone(err)) throw err;
      }
    }
    return { signalled, checked: true };
  } catch (err) {
    if (err instanceof HttpError && err.status === 503) return { signalled, checked: false };
    throw err;
  }
}

/**
 * The admin routes of the privacy issue: the Temporal UI's codec endpoint and customer erasure. Mounted ahead
 * of the API-wide security middleware (the codec needs its own CORS, see codecRoutes), so this router brings
 * the same security headers and CORS policy along for its own paths.
 */
export function privacyRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.use(codecRoutes(ctx));

  router.use(ERASE_PATH, securityHeaders(ctx.config), corsPolicy(ctx.config), requireAdminToken(ctx), express.json({ limit: ctx.config.BODY_LIMIT }));

  /**
   * A customer's right to erasure: their personal data leaves our tables (see domain/privacy/erasure.ts
   * for what changes where), money and stock records stay, an audit row without personal data records it,
   * and their running orders are told to drop CustomerEmail. Repeatable: a second request changes nothing
   * in the database and signals again whatever is still running.
   */
  router.post(ERASE_PATH, async (req, res) => {
    const body = parse(erasureRequestSchema, req.body ?? {});
    const outcome = await eraseCustomerData(ctx.db, { email: body.email, secret: ctx.config.TRACKING_TOKEN_SECRET, requestedBy: actorFor(req) });
    const clear = await clearCustomerEmail(ctx, body.email, outcome);
    await ctx.db('erasure_requests')
      .where({ id: outcome.erasureId })
      .update({ counts: ctx.db.raw('counts || ?::jsonb', [JSON.stringify({ searchAttributeClearSignalled: clear.signalled.length, temporalChecked: clear.checked })]) });
    // The hash, never the address: logs outlive the erasure.
    log.info({ erasureId: outcome.erasureId, emailHash: outcome.emailHash.slice(0, 12), counts: outcome.counts, signalled: clear.signalled.length, temporalChecked: clear.checked }, 'customer data erased');
    res.json({
      erasureId: outcome.erasureId,
      emailHash: outcome.emailHash,
      erasedEmail: outcome.erasedEmail,
      orders: outcome.orders.map((o) => o.orderNumber),
      erased: outcome.counts,
      kept: outcome.kept,
      pendingSearchAttributeClear: clear.signalled,
      temporalChecked: clear.checked,
      closedWorkflows: `CustomerEmail stays on closed orders until Temporal's retention (${ctx.config.TEMPORAL_RETENTION}) deletes them${ctx.config.PAYLOAD_ENCRYPTION_KEYS ? '; their histories are encrypted' : ''}`,
    });
  });

  return router;
}
