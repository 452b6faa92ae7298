import { Client, Connection, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Config } from '../lib/config';
import { temporalInterceptors } from '../lib/tracing';
import { createDataConverter } from '../temporal-config/dataConverter';
import { HttpError } from './errors';

/** Lazy: the API starts and answers health and webhooks (with 503) even while Temporal is down. */
export function createTemporalClient(config: Config, address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`): Client {
  return new Client({
    connection: Connection.lazy({ address, connectTimeout: 3000 }),
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(config),
    interceptors: temporalInterceptors(config).client,
  });
}

const UNAVAILABLE_CODES = new Set([4, 14]); // DEADLINE_EXCEEDED, UNAVAILABLE

export function isTemporalUnavailable(err: unknown): boolean {
  const e = err as { code?: number; cause?: { code?: number }; name?: string; message?: string };
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (err instanceof ServiceError || e?.name === 'TransportError' || e?.name === 'ServiceError') {
    const code = e.code ?? e.cause?.code;
    return code === undefined || UNAVAILABLE_CODES.has(code);
  }
  if (typeof e?.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  return /ECONNREFUSED|connect|Deadline|UNAVAILABLE/i.test(e?.message ?? '');
}

export function isWorkflowGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as { name?: string })?.name === 'WorkflowNotFoundError';
}

/** The ApplicationFailure a workflow's update handler or validator threw, if that is what this is. */
export function updateRejection(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

/** Runs a Temporal call with a deadline; an outage becomes a clear 503 so the client retries. */
export async function callTemporal<T>(client: Client, what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  try {
    return await client.connection.withDeadline(Date.now() + timeoutMs, fn);
  } catch (err) {
    if (isTemporalUnavailable(err)) {
      throw new HttpError(503, 'ORDER_SYSTEM_UNAVAILABLE', `${what}: the order system is unreachable right now; nothing was lost, please retry`);
    }
    throw err;
  }
}
