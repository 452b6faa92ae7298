/**
 * Workflow-side interceptors, in every workflow bundle (scripts/bundleWorkflows.ts, test/helpers/stack.ts).
 *
 * Tracing follows the caller: a call into the workflow is traced when it carries a trace context in its
 * Temporal headers, and from the first such start, signal or update on, what the workflow schedules is
 * traced too. Whether that happens depends only on headers recorded in the history, so replay takes the
 * same path as the original run. With tracing off nothing sends a trace context and every method here
 * passes straight through: histories recorded without tracing replay exactly as before.
 *
 * Not a workflow: nothing here produces commands, and the log lines are dropped on replay by the SDK.
 */
import type * as OtelWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  type ActivityInput,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type Headers,
  type LocalActivityInput,
  log,
  type Next,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

// The package's own header name; the type makes the compiler notice if the package ever renames it.
const TRACE_HEADER: typeof import('@temporalio/interceptors-opentelemetry/lib/instrumentation').TRACE_HEADER = '_tracer-data';

const carriesTrace = (headers: Headers): boolean => headers[TRACE_HEADER] !== undefined;

/**
 * Per workflow run. The OpenTelemetry SDK is loaded on the first traced call: each run has its own module
 * instances in the sandbox, and an untraced run (every run, with tracing off) should not pay for them.
 */
class TraceState {
  /** Set by a start, signal or update that carried a trace context: all of them are in the history. */
  traced = false;
  private otel?: {
    inbound: OtelWorkflow.OpenTelemetryInboundInterceptor;
    outbound: OtelWorkflow.OpenTelemetryOutboundInterceptor;
    internals: OtelWorkflow.OpenTelemetryInternalsInterceptor;
  };

  private load(): NonNullable<TraceState['otel']> {
    if (!this.otel) {
      const m = require('@temporalio/interceptors-opentelemetry/lib/workflow') as typeof OtelWorkflow;
      this.otel = { inbound: new m.OpenTelemetryInboundInterceptor(), outbound: new m.OpenTelemetryOutboundInterceptor(), internals: new m.OpenTelemetryInternalsInterceptor() };
    }
    return this.otel;
  }

  inbound(): OtelWorkflow.OpenTelemetryInboundInterceptor {
    return this.load().inbound;
  }

  outbound(): OtelWorkflow.OpenTelemetryOutboundInterceptor {
    return this.load().outbound;
  }

  /** The loaded SDK's internals interceptor, if this run loaded it. */
  loadedInternals(): OtelWorkflow.OpenTelemetryInternalsInterceptor | undefined {
    return this.otel?.internals;
  }
}

class Inbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly state: TraceState) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (!carriesTrace(input.headers)) return next(input);
    this.state.traced = true;
    return this.state.inbound().execute(input, next);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    // Signals are what move an order on from outside (payments, warehouse): worth a line at info.
    log.info('signal received', { signal: input.signalName });
    if (!carriesTrace(input.headers)) return next(input);
    this.state.traced = true;
    return this.state.inbound().handleSignal(input, next);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    log.info('update accepted', { update: input.name });
    if (!carriesTrace(input.headers)) return next(input);
    this.state.traced = true;
    return this.state.inbound().handleUpdate(input, next);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    // Not the switch: a rejected update leaves no trace in the history, so it must not change what follows.
    if (!carriesTrace(input.headers)) return next(input);
    this.state.inbound().validateUpdate(input, next);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    // Nor a query: queries are not in the history.
    if (!carriesTrace(input.headers)) return next(input);
    return this.state.inbound().handleQuery(input, next);
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly state: TraceState) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return this.state.traced ? this.state.outbound().scheduleActivity(input, next) : next(input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return this.state.traced ? this.state.outbound().scheduleLocalActivity(input, next) : next(input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    return this.state.traced ? this.state.outbound().startChildWorkflowExecution(input, next) : next(input);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return this.state.traced ? this.state.outbound().signalWorkflow(input, next) : next(input);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return this.state.traced ? this.state.outbound().continueAsNew(input, next) : next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    // trace_id and span_id on the workflow's own log lines, when it is traced.
    return this.state.traced ? this.state.outbound().getLogAttributes(input, next) : next(input);
  }
}

/** Releases the run's OpenTelemetry context manager if it made one. */
class Internals implements WorkflowInternalsInterceptor {
  constructor(private readonly state: TraceState) {}

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    const otel = this.state.loadedInternals();
    if (otel) otel.dispose(input, next);
    else next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const state = new TraceState();
  return { inbound: [new Inbound(state)], outbound: [new Outbound(state)], internals: [new Internals(state)] };
};
