import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { Config } from './config';
import type * as TracingSdk from './tracingSdk';

/**
 * OpenTelemetry tracing, off unless TRACING_EXPORTER is `otlp` or `console`. One trace follows an order from
 * the checkout request (HTTP server span) through the Temporal client's update-with-start, the workflow
 * (spans made inside the workflow sandbox, workflows/interceptors.ts, handed to this process through the
 * `exporter` sink) to each activity, because every hop carries the trace context in Temporal headers.
 */

export interface TracingOptions {
  /** Replaces the configured exporter, e.g. an InMemorySpanExporter in a test; spans are then exported as they end. */
  exporter?: SpanExporter;
}

let sdk: typeof TracingSdk | undefined;
let active: TracingSdk.Tracing | undefined;

// With tracing off (the default) the SDK is never loaded.
const loadSdk = (): typeof TracingSdk => (sdk ??= require('./tracingSdk') as typeof TracingSdk);

/**
 * Starts tracing for this process, once; later calls return the first setup. Instrumentations patch `http`
 * and `express` as they are loaded, so processes call this before anything else (lib/instrument.ts).
 */
export function initTracing(config: Config, options: TracingOptions = {}): TracingSdk.Tracing | undefined {
  if (active || config.TRACING_EXPORTER === 'none') return active;
  active = loadSdk().startTracing(config, options);
  return active;
}

/** Flushes spans still batched; called as a process stops. */
export async function shutdownTracing(): Promise<void> {
  const tracing = active;
  active = undefined;
  await tracing?.provider.shutdown();
}

/** Temporal interceptors for tracing; none while tracing is off. */
export function temporalInterceptors(config: Config): { client?: ClientInterceptors; worker?: WorkerInterceptors } {
  return initTracing(config) ? loadSdk().tracingInterceptors() : {};
}

/**
 * The sink the workflow interceptors export their spans through. Registered even with tracing off here: a
 * workflow started by a traced client makes spans whatever this worker's setting, and an unregistered sink
 * would log an error on every workflow task.
 */
export function temporalWorkflowSinks(config: Config): InjectedSinks<OpenTelemetrySinks> {
  const tracing = initTracing(config);
  return { exporter: tracing ? loadSdk().workflowSpanSink(tracing) : { export: { fn: () => undefined } } };
}
