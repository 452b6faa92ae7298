import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Request, RequestHandler, Response } from 'express';
import type pino from 'pino';
import { pinoHttp } from 'pino-http';
import { ORDER_NUMBER_PATTERN } from '../domain/orders/orderNumbers';
import { orderWorkflowId } from '../domain/orders/workflowIds';
import { logger as rootLogger } from './logger';

/**
 * Where an order is named in logs: `orderId` (the order number customers quote) and, where the Temporal
 * side is involved, `workflowId`. Both are derived from one another, so every line about an order can be
 * found with either.
 */
export interface OrderLogFields {
  orderId: string;
  workflowId: string;
}

const ORDER_WORKFLOW_PREFIX = orderWorkflowId('');

/**
 * The order behind a workflow id: the order's own, and its parcels' and returns' (shipment-<order>-<n>,
 * return-<order>-<n>, return-shipment-<order>-<n>). Late-payment refunds are keyed by PaymentIntent instead.
 */
const CHILD_OF_ORDER = /^(?:shipment|return|return-shipment)-(DY-\d{6}-[0-9A-Z]{5})-\d+$/;
export function orderIdOfWorkflow(workflowId: unknown): string | undefined {
  if (typeof workflowId !== 'string') return undefined;
  const child = CHILD_OF_ORDER.exec(workflowId);
  if (child) return child[1];
  if (!workflowId.startsWith(ORDER_WORKFLOW_PREFIX)) return undefined;
  const orderId = workflowId.slice(ORDER_WORKFLOW_PREFIX.length);
  return orderId.length > 0 ? orderId : undefined;
}

export function orderLogFields(orderId: string): OrderLogFields {
  return { orderId, workflowId: orderWorkflowId(orderId) };
}

// ---- Temporal SDK → pino -------------------------------------------------------------------------------

const PINO_LEVEL: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * The SDK reports each workflow's start and end and each activity's completion (with its duration) at
 * DEBUG. Following one order at `info` should show what it did and how long each step took, so these
 * lines, and only these, are raised to INFO. If the SDK rewords them they simply stay at DEBUG.
 */
const LIFECYCLE_AT_INFO = new Set(['Workflow started', 'Workflow completed', 'Activity completed']);

/** Log attributes the SDK adds that help nobody reading logs; the task token is also a credential for the task. */
const DROPPED_ATTRIBUTES = new Set(['taskToken']);

/**
 * The Temporal Runtime's logger, backed by pino: workflow `log` calls (forwarded by the SDK through its
 * sink), activity `Context.log`, the worker's lifecycle lines and Core's own logs all come out as the
 * same JSON lines as the rest of the process, with `orderId` added wherever the workflow id names an order.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly target: pino.Logger = rootLogger.child({ component: 'temporal' })) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const effective = level === 'DEBUG' && LIFECYCLE_AT_INFO.has(message) ? 'info' : PINO_LEVEL[level];
    if (!this.target.isLevelEnabled(effective)) return;
    this.target[effective](temporalLogFields(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Temporal's metadata as pino fields: `error` under pino's `err` (so it is serialised with its stack), orderId added. */
export function temporalLogFields(meta: LogMetadata | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!meta) return fields;
  // String keys only: the SDK also passes a symbol-keyed timestamp that JSON cannot carry.
  for (const key of Object.keys(meta)) {
    if (DROPPED_ATTRIBUTES.has(key)) continue;
    if (key === 'error') fields.err = meta[key];
    else fields[key] = meta[key];
  }
  if (fields.orderId === undefined) {
    const orderId = orderIdOfWorkflow(fields.workflowId);
    if (orderId !== undefined) fields.orderId = orderId;
  }
  return fields;
}

type TemporalCoreLevel = 'ERROR' | 'WARN';

/**
 * Core (the SDK's Rust part) is very chatty below WARN and its lines are about polling and connections,
 * not orders: it is forwarded at WARN, or at ERROR when the process logs nothing below that.
 */
export function coreLogLevel(level: pino.LevelWithSilentOrString): TemporalCoreLevel {
  return level === 'error' || level === 'fatal' || level === 'silent' ? 'ERROR' : 'WARN';
}

// ---- HTTP requests → pino ------------------------------------------------------------------------------

const ORDER_IN_PATH = /\/orders\/([^/?#]+)/;

/** An order named by a response body: the checkout's answer, an order view, or an error's details. */
function orderIdInBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const direct = (body as { orderId?: unknown }).orderId;
  if (typeof direct === 'string') return direct;
  const nested = (body as { error?: { orderId?: unknown } }).error?.orderId;
  return typeof nested === 'string' ? nested : undefined;
}

function orderIdInPath(url: string | undefined): string | undefined {
  const id = url ? ORDER_IN_PATH.exec(url)?.[1] : undefined;
  // Only a well-formed order number: the path is the client's input and must not inject log fields.
  return id !== undefined && ORDER_NUMBER_PATTERN.test(id) ? id : undefined;
}

function pathOnly(url: string | undefined): string | undefined {
  // Query strings carry tracking tokens and the admin stream's token: never logged.
  return url?.split('?')[0];
}

/** Probes and scrapes are polled all day; they are logged only at debug unless they fail. */
function isRoutine(req: Request): boolean {
  return req.method === 'GET' && (req.path === '/api/health' || req.path === '/metrics');
}

/**
 * One JSON line per request, with `requestId` (the X-Request-Id the app has already settled on) and, when
 * the request concerns an order, `orderId` and `workflowId`. Routes name their order by answering with it
 * (`orderId` in the body, as checkout does) or in the path; `res.locals.orderId` lets a route say so itself.
 * `req.log` carries the request id for lines a route writes.
 */
export function requestLogger(base: pino.Logger = rootLogger): RequestHandler {
  const httpLogger = pinoHttp<Request, Response>({
    logger: base,
    genReqId: (req) => req.header('X-Request-Id') ?? '',
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    customProps: (req, res) => {
      const orderId = typeof res.locals.orderId === 'string' ? res.locals.orderId : orderIdInPath(req.originalUrl);
      return orderId ? orderLogFields(orderId) : {};
    },
    customLogLevel: (req, res, err) => {
      // A failing probe is the health endpoint doing its job (and its answer says why): not an error of ours.
      if (isRoutine(req)) return res.statusCode >= 400 ? 'warn' : 'debug';
      if (err || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    // For a 5xx without an error pino-http makes one up, stack and all; the status code already says it.
    customErrorObject: (_req, res, error, fields: Record<string, unknown>) =>
      error.message === `failed with status code ${res.statusCode}` ? { ...fields, err: undefined } : fields,
    serializers: {
      req: (req: { method?: string; url?: string; remoteAddress?: string }) => ({ method: req.method, url: pathOnly(req.url), remoteAddress: req.remoteAddress }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
  return (req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body?: unknown) => {
      const orderId = orderIdInBody(body);
      if (orderId !== undefined && res.locals.orderId === undefined) res.locals.orderId = orderId;
      return json(body);
    };
    httpLogger(req, res, next);
  };
}
