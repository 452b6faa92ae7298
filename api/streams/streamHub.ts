import type net from 'node:net';
import type { ApiContext } from '../context';
import { EventFeed, type FeedMode } from './eventFeed';
import { MAX_STREAMS, StreamRegistry } from './streamRegistry';

/** What one API process (one ApiContext) shares among its streams: the feed and the count of open streams. */
export interface StreamHub {
  feed: EventFeed;
  registry: StreamRegistry;
}

interface HubState extends StreamHub {
  watched: WeakSet<net.Server>;
}

const hubs = new WeakMap<ApiContext, HubState>();

/** Created on the first stream, so a process that never streams never opens the subscriber connection. */
export function streamHub(ctx: ApiContext): StreamHub {
  let hub = hubs.get(ctx);
  if (!hub) {
    const registry = new StreamRegistry();
    registry.perClient = ctx.config.SSE_MAX_PER_CLIENT;
    registry.perOrder = ctx.config.SSE_MAX_PER_ORDER;
    hub = { feed: new EventFeed(ctx.db, ctx.config.REDIS_URL), registry, watched: new WeakSet() };
    hubs.set(ctx, hub);
  }
  return hub;
}

/**
 * Ties the hub's life to the server's: the API's shutdown (and a test system's stop()) only knows the server,
 * so the feed's Redis connection and timers go when the server has closed.
 */
export function closeWithServer(ctx: ApiContext, server: net.Server | undefined): void {
  const hub = hubs.get(ctx);
  if (!hub || !server || hub.watched.has(server)) return;
  hub.watched.add(server);
  server.once('close', () => void closeStreams(ctx));
}

/** Ends every open stream and closes the feed; the next stream starts a fresh hub. */
export async function closeStreams(ctx: ApiContext): Promise<void> {
  const hub = hubs.get(ctx);
  if (!hub) return;
  hubs.delete(ctx);
  hub.registry.endAll();
  await hub.feed.close();
}

export interface StreamStats {
  open: number;
  limit: number;
  feed: { mode: FeedMode; position: number };
}

export function streamStats(ctx: ApiContext): StreamStats {
  const hub = hubs.get(ctx);
  if (!hub) return { open: 0, limit: MAX_STREAMS, feed: { mode: 'starting', position: 0 } };
  return { open: hub.registry.open, limit: hub.registry.limit, feed: { mode: hub.feed.mode, position: hub.feed.position } };
}
