import type { ClientRequest, IncomingMessage } from 'node:http';
import { type Attributes, type AttributeValue, type Span, SpanKind } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
// Sub-paths: the package's index also loads its Worker plugin, which the API process has no use for.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { OpenTelemetryWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';
import type { InjectedSink, WorkerInterceptors } from '@temporalio/worker';
import type { Config } from './config';
import { logger } from './logger';
import type { TracingOptions } from './tracing';

/**
 * The OpenTelemetry SDK side of lib/tracing.ts, loaded only when tracing is on: the SDK, its exporters and
 * instrumentations take about a quarter of a second to load, which every API and worker start would pay.
 */

export interface Tracing {
  provider: NodeTracerProvider;
  processor: SpanProcessor;
  resource: Resource;
}

/** Registers the tracer provider and the HTTP instrumentations for this process (lib/tracing.ts calls it once). */
export function startTracing(config: Config, options: TracingOptions): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME, 'dy.process': process.env.DY_SERVICE ?? 'dy-orders' });
  const exporter = options.exporter ?? exporterFor(config);
  // Batching keeps exports off the request path; console and test exporters want each span as it ends.
  const processor = config.TRACING_EXPORTER === 'otlp' && !options.exporter ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: isRoutineRequest, applyCustomAttributesOnSpan: scrubAndName }),
      // Middleware spans for Express 4; this package version leaves Express 5 alone, so scrubAndName
      // gives the server span its route instead.
      new ExpressInstrumentation(),
    ],
  });
  logger.info({ exporter: options.exporter ? 'custom' : config.TRACING_EXPORTER, serviceName: config.OTEL_SERVICE_NAME }, 'tracing on');
  return { provider, processor, resource };
}

export function tracingInterceptors(): { client: ClientInterceptors; worker: WorkerInterceptors } {
  return {
    client: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    worker: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      // Read only when a worker bundles workflows itself; the pre-built bundles list this module already.
      workflowModules: [require.resolve('../workflows/interceptors')],
    },
  };
}

/** Where the workflow interceptors' spans, made in the sandbox, reach this process's span processor. */
export function workflowSpanSink(tracing: Tracing): InjectedSink<OpenTelemetryWorkflowExporter> {
  return makeWorkflowExporter(new WorkflowSpanScrubber(tracing.processor), tracing.resource);
}

/** WorkflowInfo fields the exporter sink copies onto workflow spans that hold data rather than identify the run. */
const WORKFLOW_DATA_ATTRIBUTES = new Set(['memo', 'searchAttributes', 'typedSearchAttributes', 'lastResult', 'lastFailure']);

const isAttributeValue = (v: unknown): v is AttributeValue =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => x === null || x === undefined || ['string', 'number', 'boolean'].includes(typeof x)));

/**
 * The workflow exporter sink puts the whole WorkflowInfo on each workflow span: the search attributes hold
 * the customer's e-mail, and its objects are not valid span attributes anyway. Only identifiers go on.
 */
class WorkflowSpanScrubber implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(): void {
    // Workflow spans are made in the sandbox and only ever arrive here ended.
  }

  onEnd(span: ReadableSpan): void {
    const attributes: Attributes = {};
    for (const [key, value] of Object.entries(span.attributes)) {
      if (!WORKFLOW_DATA_ATTRIBUTES.has(key) && isAttributeValue(value)) attributes[key] = value;
    }
    this.inner.onEnd({ ...span, spanContext: () => span.spanContext(), attributes });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    // The provider owns the inner processor and shuts it down.
    return Promise.resolve();
  }
}

function exporterFor(config: Config): SpanExporter {
  if (config.TRACING_EXPORTER === 'otlp') {
    // A base URL, as OpenTelemetry defines OTEL_EXPORTER_OTLP_ENDPOINT: the signal's path is appended.
    const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
    return new OTLPTraceExporter(endpoint ? { url: `${endpoint}/v1/traces` } : {});
  }
  return new JsonLinesSpanExporter();
}

/** Health probes and metric scrapes would be most of the traces and tell nothing. */
function isRoutineRequest(req: IncomingMessage): boolean {
  const path = req.url?.split('?')[0];
  return req.method === 'GET' && (path === '/api/health' || path === '/metrics');
}

/**
 * Query strings carry customers' tracking tokens and the admin stream's token, and the paths of outgoing
 * calls can be credentials themselves (a Slack webhook URL): spans keep the path of our own routes and
 * only the origin of outgoing calls. Server spans are named by their Express route template.
 */
function scrubAndName(span: Span, request: ClientRequest | IncomingMessage): void {
  if ('setHeader' in request) {
    const origin = `${request.protocol}//${request.host}`;
    span.setAttribute('http.url', origin);
    span.setAttribute('http.target', '/');
    return;
  }
  const express = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };
  const path = (express.originalUrl ?? request.url ?? '/').split('?')[0];
  span.setAttribute('http.target', path);
  // Plain HTTP: TLS ends at the proxy in front of the API.
  if (request.headers.host) span.setAttribute('http.url', `http://${request.headers.host}${path}`);
  if (typeof express.route?.path === 'string') {
    const route = `${express.baseUrl ?? ''}${express.route.path}`;
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${request.method ?? 'HTTP'} ${route}`);
  }
}

/**
 * `console`: one JSON line per span on stdout, through the process's pino destination so span lines never
 * interleave with log lines (the SDK's ConsoleSpanExporter prints multi-line objects). Written whatever
 * LOG_LEVEL is: turning the console exporter on is asking for them.
 */
class JsonLinesSpanExporter implements SpanExporter {
  private readonly out = logger.child({ component: 'tracing' }, { level: 'info' });

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) this.out.info(spanRecord(span), 'span');
    done({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function spanRecord(span: ReadableSpan): Record<string, unknown> {
  const { traceId, spanId } = span.spanContext();
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: span.parentSpanId,
    spanName: span.name,
    spanKind: SpanKind[span.kind],
    spanService: span.resource.attributes[ATTR_SERVICE_NAME],
    startTime: new Date(hrTimeToMilliseconds(span.startTime)).toISOString(),
    durationMs: hrTimeToMilliseconds(span.duration),
    status: span.status,
    attributes: span.attributes,
  };
}
