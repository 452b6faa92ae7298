import net from 'node:net';
import type { Request, Response } from 'express';
import type { Db } from '../../db/connection';
import { logger } from '../../lib/logger';
import { HttpError } from '../errors';
import { customerEvent } from '../orders/customerView';
import type { EventFeed } from './eventFeed';
import { type OrderEvent, readEvents } from './orderEventLog';
import type { OpenStream, StreamRegistry } from './streamRegistry';

/** The reconnect delay browsers' EventSource uses; our own client backs off from it. */
export const RETRY_MS = 3000;
/** The SSE `event:` name of every order event; the event's own kind is `type` in its data. */
export const EVENT_NAME = 'order';
const REPLAY_PAGE = 500;
/** A client this far behind is cut off: it resumes from the log with Last-Event-ID instead of costing memory. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface StreamSpec {
  db: Db;
  feed: EventFeed;
  registry: StreamRegistry;
  /** Only this order's events; every order's when absent. */
  orderNumber?: string;
  /** Replay rows with a higher id first; with none, the stream starts at the live edge. */
  after: number | undefined;
  heartbeatMs: number;
  /**
   * Who reads the frames. Customer unless a staff route says otherwise, so a new stream cannot leak by
   * forgetting: customers get the allow-listed event (see orders/customerView), staff the event as recorded.
   */
  audience?: StreamAudience;
  /** The client address, counted against the registry's per-client cap. */
  client?: string;
  /** SSE_MAX_LIFETIME: the stream is ended after this long and the client reconnects with Last-Event-ID. */
  maxLifetimeMs?: number;
  /** What of an event the client sees; the whole event when absent. */
  project?: (event: OrderEvent) => unknown;
}

export type StreamAudience = 'customer' | 'staff';

/** The event as the stream's reader may see it; undefined when they are not shown it. */
export function shapeFor(audience: StreamAudience | undefined): (event: OrderEvent) => OrderEvent | undefined {
  if (audience === 'staff') return (event) => event;
  return (event) => {
    const shown = customerEvent(event);
    return shown && { ...shown, orderNumber: event.orderNumber };
  };
}

export function frame(event: OrderEvent, project?: (event: OrderEvent) => unknown): string {
  // JSON has no raw newlines, so the data is one `data:` line.
  return `id: ${event.id}\nevent: ${EVENT_NAME}\ndata: ${JSON.stringify(project ? project(event) : event)}\n\n`;
}

const REFUSALS = {
  client: (r: StreamRegistry) => `at most ${r.perClient} open streams per client (SSE_MAX_PER_CLIENT); close one first`,
  order: (r: StreamRegistry) => `at most ${r.perOrder} open streams per order (SSE_MAX_PER_ORDER); close one first`,
} as const;

export function serverOf(req: Request): net.Server | undefined {
  // Node sets `socket.server` on accepted sockets; it is how the stream learns its server is shutting down.
  const server: unknown = (req.socket as unknown as { server?: unknown }).server;
  return server instanceof net.Server ? server : undefined;
}

/**
 * Ends the stream and then the connection: a keep-alive socket left idle would hold `server.close()` for the
 * keep-alive timeout, and a client that reconnects opens a fresh connection anyway.
 */
function hangUp(req: Request, res: Response): void {
  const socket = req.socket;
  if (res.writableEnded) return;
  res.end(() => socket.end());
  // A client that stopped reading never lets the end flush.
  setTimeout(() => socket.destroy(), 2000).unref();
}

function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Replays the log after the client's last id, then follows the feed, with no gap and no duplicate: the
 * feed subscription is taken first (events above `since` are queued), the log is read up to `since`, the
 * queue is sent, and any id at or below the last one sent is dropped.
 */
export async function serveEventStream(req: Request, res: Response, spec: StreamSpec): Promise<void> {
  let closed = false;
  const stream: OpenStream = { server: serverOf(req), end: () => hangUp(req, res), client: spec.client, orderNumber: spec.orderNumber };
  const refused = spec.registry.add(stream);
  if (refused === 'server') {
    res.set('Retry-After', '5');
    throw new HttpError(503, 'TOO_MANY_STREAMS', 'this server has as many open streams as it takes; retry shortly');
  }
  if (refused) {
    res.set('Retry-After', '30');
    throw new HttpError(429, 'TOO_MANY_STREAMS', REFUSALS[refused](spec.registry));
  }
  try {
    await spec.feed.start();
  } catch (err) {
    spec.registry.remove(stream);
    logger.warn({ err: (err as Error).message }, 'event stream refused: the event log is unreachable');
    res.set('Retry-After', '5');
    throw new HttpError(503, 'STREAMS_UNAVAILABLE', 'live updates are unavailable right now; retry shortly');
  }
  if (res.destroyed || req.socket.destroyed) {
    spec.registry.remove(stream);
    return;
  }

  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write(`retry: ${RETRY_MS}\n\n`);

  let lastSent = spec.after ?? 0;
  let queue: OrderEvent[] | undefined = [];
  const shape = shapeFor(spec.audience);
  const send = (event: OrderEvent): boolean => {
    if (closed || res.writableEnded || event.id <= lastSent) return true;
    lastSent = event.id;
    // An event the reader is not shown still moves the position: a resume starts after it.
    const shown = shape(event);
    return shown ? res.write(frame(shown, spec.project)) : true;
  };
  const subscription = spec.feed.subscribe(
    (event) => {
      if (queue) {
        queue.push(event);
        return;
      }
      send(event);
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        logger.info({ orderId: spec.orderNumber }, 'event stream cut off: the client is not reading');
        res.destroy();
      }
    },
    { orderNumber: spec.orderNumber, onClose: () => hangUp(req, res) },
  );
  // Keeps proxies from timing the connection out, and lets the client tell a quiet stream from a dead one.
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': heartbeat\n\n');
  }, spec.heartbeatMs);
  heartbeat.unref();
  // A stream that never ends holds its slot for good: past its lifetime it is ended like a shutdown, and
  // the client resumes with Last-Event-ID (web/public/js/orderStream.js does).
  const lifetime = spec.maxLifetimeMs ? setTimeout(() => hangUp(req, res), spec.maxLifetimeMs) : undefined;
  lifetime?.unref();
  res.on('error', (err) => logger.debug({ err: err.message }, 'event stream write failed'));
  res.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(lifetime);
    subscription.unsubscribe();
    spec.registry.remove(stream);
  });
  if (spec.after === undefined) lastSent = subscription.since;

  try {
    for (let after = lastSent; spec.after !== undefined && !closed && !res.writableEnded; ) {
      const page = await readEvents(spec.db, { after, upTo: subscription.since, orderNumber: spec.orderNumber, limit: REPLAY_PAGE });
      for (const event of page) if (!send(event) && !closed) await drained(res);
      if (page.length < REPLAY_PAGE) break;
      after = page[page.length - 1].id;
    }
  } catch (err) {
    // Headers are gone: the only answer left is to end; the client resumes from what it received.
    logger.warn({ err: (err as Error).message, orderId: spec.orderNumber }, 'event stream replay failed');
    hangUp(req, res);
    return;
  }
  const live = queue;
  queue = undefined;
  for (const event of live) send(event);
}
