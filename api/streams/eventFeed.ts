import Redis from 'ioredis';
import { ORDER_EVENTS_CHANNEL } from '../../domain/orders/recordOrderEvent';
import type { Db } from '../../db/connection';
import { logger } from '../../lib/logger';
import { lastEventId, type OrderEvent, readEvents } from './orderEventLog';

export type FeedListener = (event: OrderEvent) => void;
export type FeedMode = 'starting' | 'pubsub' | 'polling' | 'closed';

export interface FeedSubscription {
  /** Every event with a higher id reaches the listener; the ones at or below it are in the log already. */
  since: number;
  unsubscribe(): void;
}

export interface FeedOptions {
  /** How often the log is read while Redis is not ready. */
  pollIntervalMs?: number;
  /** A slow sweep even while subscribed: a writer whose own Redis was down published nothing. */
  sweepIntervalMs?: number;
  /** How often a hole in the ids is looked for again. */
  gapRetryMs?: number;
  /** How long a hole may stay open before its ids are taken for rolled-back inserts and skipped. */
  gapGraceMs?: number;
}

const PAGE = 1000;

/**
 * The one live view of `order_events` in an API process, shared by all its open streams.
 *
 * Redis is only a doorbell: a published event makes the feed read the log right away, so what streams send is
 * always a committed row of *this* database (a dev machine's Redis is shared by every stack and test run on
 * it, and a writer publishes only when its own Redis is up). Without Redis the feed reads the log on a timer.
 * Events go out strictly in id order, each once: ids are taken before commit, so a higher id can become
 * visible before a lower one; the feed holds everything above a hole until the hole fills (or, after
 * `gapGraceMs`, treats it as a rolled-back insert).
 */
export class EventFeed {
  private cursor = 0;
  private readonly pending = new Map<number, OrderEvent>();
  private gapSince: number | undefined;
  private readonly everyOrder = new Set<FeedListener>();
  private readonly byOrder = new Map<string, Set<FeedListener>>();
  private readonly onClose = new Set<() => void>();
  private subscriber: Redis | undefined;
  private subscribed = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private reading: Promise<void> | undefined;
  private readAgain = false;
  private started: Promise<void> | undefined;
  private closed = false;
  private lastRedisWarning = 0;
  private readonly pollMs: number;
  private readonly sweepMs: number;
  private readonly gapRetryMs: number;
  private readonly gapGraceMs: number;

  constructor(
    private readonly db: Db,
    private readonly redisUrl: string | undefined,
    opts: FeedOptions = {},
  ) {
    this.pollMs = opts.pollIntervalMs ?? 500;
    this.sweepMs = opts.sweepIntervalMs ?? 5000;
    this.gapRetryMs = opts.gapRetryMs ?? 100;
    this.gapGraceMs = opts.gapGraceMs ?? 2000;
  }

  /** Resolves once the position is known; a failure (database down) lets the next caller try again. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event feed closed'));
    this.started ??= this.init().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  get mode(): FeedMode {
    if (this.closed) return 'closed';
    if (this.started === undefined) return 'starting';
    return this.subscribed ? 'pubsub' : 'polling';
  }

  /** The highest id handed to listeners: everything at or below it is committed (or a skipped hole). */
  get position(): number {
    return this.cursor;
  }

  /**
   * Synchronous on purpose: `since` and the registration happen in the same tick, so a stream that replays
   * the log up to `since` and then takes the listener's events has no gap and no overlap.
   */
  subscribe(listener: FeedListener, opts: { orderNumber?: string; onClose?: () => void } = {}): FeedSubscription {
    if (opts.orderNumber === undefined) {
      this.everyOrder.add(listener);
    } else {
      let set = this.byOrder.get(opts.orderNumber);
      if (!set) this.byOrder.set(opts.orderNumber, (set = new Set()));
      set.add(listener);
    }
    const onClose = opts.onClose;
    if (onClose) this.onClose.add(onClose);
    return {
      since: this.cursor,
      unsubscribe: () => {
        if (onClose) this.onClose.delete(onClose);
        if (opts.orderNumber === undefined) {
          this.everyOrder.delete(listener);
          return;
        }
        const set = this.byOrder.get(opts.orderNumber);
        set?.delete(listener);
        if (set?.size === 0) this.byOrder.delete(opts.orderNumber);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.subscriber?.disconnect();
    for (const notify of [...this.onClose]) notify();
    this.onClose.clear();
    this.everyOrder.clear();
    this.byOrder.clear();
    await this.reading?.catch(() => undefined);
  }

  private async init(): Promise<void> {
    this.cursor = await lastEventId(this.db);
    if (this.closed) return;
    if (this.redisUrl) this.connectRedis(this.redisUrl);
    this.wake(this.pollMs);
  }

  private connectRedis(url: string): void {
    // A subscribing connection can do nothing else, so it is ours alone; commands fail fast rather than queue.
    const sub = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 500, 5000),
    });
    this.subscriber = sub;
    sub.on('ready', () => {
      sub.subscribe(ORDER_EVENTS_CHANNEL).then(
        () => {
          if (this.closed || sub.status !== 'ready') return;
          this.subscribed = true;
          logger.info({ channel: ORDER_EVENTS_CHANNEL }, 'live order events: following Redis pub/sub');
          // Whatever was committed while we were switching over is read now, not at the next event.
          this.wake(0);
        },
        (err: Error) => this.warnRedis(err),
      );
    });
    sub.on('close', () => {
      if (!this.subscribed) return;
      this.subscribed = false;
      if (!this.closed) logger.warn('live order events: Redis lost, following the event log in PostgreSQL');
      this.wake(0);
    });
    sub.on('error', (err: Error) => this.warnRedis(err));
    sub.on('message', (_channel: string, message: string) => {
      if (this.mayBeNew(message)) this.wake(0);
    });
    sub.connect().catch(() => undefined); // the retry strategy keeps trying; 'error' has logged it
  }

  /** A cheap filter before reading the log: ids we have already passed need no read. */
  private mayBeNew(message: string): boolean {
    try {
      const id: unknown = (JSON.parse(message) as { id?: unknown }).id;
      return typeof id !== 'number' || id > this.cursor;
    } catch {
      return true;
    }
  }

  private warnRedis(err: Error): void {
    if (Date.now() - this.lastRedisWarning < 30_000) return;
    this.lastRedisWarning = Date.now();
    logger.warn({ err: err.message }, 'live order events: Redis unavailable; polling the event log');
  }

  /** Reads the log within `delayMs`, keeping an earlier read if one is already due. */
  private wake(delayMs: number): void {
    if (this.closed) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.read();
    }, delayMs);
    // Never what keeps a process alive: the feed follows the server's life, it does not extend it.
    this.timer.unref();
  }

  /** One read at a time; a doorbell during a read asks for one more read after it. */
  private read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = this.readLog()
      .catch((err: Error) => {
        if (!this.closed) logger.warn({ err: err.message }, 'live order events: reading the event log failed; retrying');
      })
      .finally(() => {
        this.reading = undefined;
        if (this.closed) return;
        if (this.readAgain) {
          this.readAgain = false;
          this.wake(0);
        } else {
          this.wake(this.pending.size > 0 ? this.gapRetryMs : this.subscribed ? this.sweepMs : this.pollMs);
        }
      });
    return this.reading;
  }

  private async readLog(): Promise<void> {
    for (;;) {
      const events = await readEvents(this.db, { after: this.cursor, limit: PAGE });
      if (this.closed) return;
      for (const e of events) if (e.id > this.cursor) this.pending.set(e.id, e);
      this.drain();
      if (this.pending.size > 0 && this.gapSince !== undefined && Date.now() - this.gapSince >= this.gapGraceMs) this.skipHole();
      // A full page with no hole means more rows are waiting; a hole means the next rows are already pending.
      if (events.length < PAGE || this.pending.size > 0) return;
    }
  }

  private drain(): void {
    let next = this.pending.get(this.cursor + 1);
    while (next) {
      this.pending.delete(next.id);
      this.cursor = next.id;
      this.dispatch(next);
      next = this.pending.get(this.cursor + 1);
    }
    if (this.pending.size === 0) this.gapSince = undefined;
    else this.gapSince ??= Date.now();
  }

  private skipHole(): void {
    const first = Math.min(...this.pending.keys());
    logger.warn({ from: this.cursor + 1, to: first - 1 }, 'live order events: ids never committed (rolled back); skipping them');
    this.cursor = first - 1;
    this.gapSince = undefined;
    this.drain();
  }

  private dispatch(event: OrderEvent): void {
    const forOrder = this.byOrder.get(event.orderNumber);
    for (const listeners of forOrder ? [this.everyOrder, forOrder] : [this.everyOrder]) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (err) {
          // One broken stream must not starve the others.
          logger.warn({ err: (err as Error).message }, 'live order events: a stream listener failed');
        }
      }
    }
  }
}
