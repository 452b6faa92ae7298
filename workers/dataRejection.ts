import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptors, Next } from '@temporalio/worker';
import { DATA_REJECTED_FAILURE } from '../workflows/orders/definitions';

interface PgError {
  code: string;
  severity: string;
  message: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const isPgError = (err: unknown): err is PgError => {
  const e = err as Partial<PgError> | null;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
};

/**
 * SQLSTATE class 22 (data exception: NUL in text, a value too long, an out-of-range date) and 23 (integrity
 * constraint) mean the same write fails the same way on every retry. Code that expects one (a unique key
 * meaning "already done") catches it itself; one that escapes is a bug or bad data, for a person.
 */
export function dataRejection(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ApplicationFailure) return undefined;
  if (isPgError(err) && (err.code.startsWith('22') || err.code.startsWith('23'))) {
    // knex prefixes the statement; the reason is pg's own words after it (never the bound values).
    const reason = err.message.split(' - ').pop() ?? err.message;
    return ApplicationFailure.nonRetryable(`the database refused the data: ${reason} (SQLSTATE ${err.code})`, DATA_REJECTED_FAILURE, {
      sqlState: err.code,
      table: err.table,
      column: err.column,
      constraint: err.constraint,
    });
  }
  if ((err as Error | null)?.name === 'ZodError') {
    const issues = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? [];
    const detail = issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(value)'}: ${i.message}`).join('; ');
    return ApplicationFailure.nonRetryable(`the data failed validation: ${detail}`, DATA_REJECTED_FAILURE, { issues: issues.slice(0, 5).map((i) => ({ path: i.path.map(String), message: i.message })) });
  }
  return undefined;
}

class DataRejectionInbound implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      const failure = dataRejection(err);
      if (!failure) throw err;
      Context.current().log.warn('activity data rejected: not retrying', { error: failure.message });
      throw failure;
    }
  }
}

/** Every activity (local ones too): data errors fail at once instead of retrying without end. */
export const dataRejectionInterceptor = (): ActivityInterceptors => ({ inbound: new DataRejectionInbound() });
