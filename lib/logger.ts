import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

/**
 * With tracing on, a line written inside a traced operation names its trace and span, so a log search and
 * a trace view lead to each other. With tracing off there is never an active span and this adds nothing.
 */
function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: process.env.DY_SERVICE ?? 'dy-orders' },
  timestamp: pino.stdTimeFunctions.isoTime,
  mixin: traceFields,
});
export type Logger = pino.Logger;
