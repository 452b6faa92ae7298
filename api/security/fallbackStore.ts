import { type ClientRateLimitInfo, type IncrementResponse, MemoryStore, type Options, type Store } from 'express-rate-limit';
import type Redis from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../../lib/logger';

/** A limiter must not add noticeable latency: a Redis slower than this is treated as down for that request. */
const REDIS_TIMEOUT_MS = 500;
/** After a failure, stop trying Redis for a moment so a hung or erroring Redis does not tax every request. */
const REDIS_BACKOFF_MS = 2000;

interface Shared {
  store: RedisStore;
  ready: Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function larger(a: ClientRateLimitInfo | undefined, b: ClientRateLimitInfo | undefined): ClientRateLimitInfo | undefined {
  if (!a || !b) return a ?? b;
  return b.totalHits >= a.totalHits ? b : a;
}

/**
 * Hit counts in Redis, shared by every API instance, with an in-process fallback: while Redis is down the
 * limits still hold per instance instead of every request failing (fail closed) or none being limited
 * (fail open). Redis is an accelerator here as everywhere else (lib/redis.ts).
 *
 * The in-process store counts every request, even while Redis answers, and the larger of the two counts
 * wins: each one misses something (Redis what was counted while it was away, memory what other instances
 * saw). So a client already over its limit stays limited the moment Redis drops, and is not handed a fresh
 * allowance when Redis comes back mid-window.
 */
export class FallbackStore implements Store {
  /** Counts normally live in Redis: the same key in two limiters would collide, so prefixes must differ. */
  readonly localKeys = false;
  private readonly memory = new MemoryStore();
  private options?: Options;
  private shared?: Shared;
  private pausedUntil = 0;
  private mode: 'redis' | 'memory' = 'redis';

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    // A fresh connection is worth trying at once, whatever the failure that paused us on the old one.
    redis.on('ready', () => {
      this.pausedUntil = 0;
    });
  }

  init(options: Options): void {
    this.options = options;
    this.memory.init(options);
    // Redis is left alone here: it may be down at start-up, and the RedisStore is built on first use.
  }

  async increment(key: string): Promise<IncrementResponse> {
    const local = await this.memory.increment(key);
    const shared = await this.viaRedis((store) => store.increment(key));
    this.noteMode(shared ? 'redis' : 'memory');
    return larger(local, shared?.value) ?? local;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const local = await this.memory.get(key);
    const shared = await this.viaRedis((store) => store.get(key));
    return larger(local, shared?.value);
  }

  async decrement(key: string): Promise<void> {
    await this.memory.decrement(key);
    await this.viaRedis((store) => store.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.memory.resetKey(key);
    await this.viaRedis((store) => store.resetKey(key));
  }

  shutdown(): void {
    this.memory.shutdown();
  }

  /** The operation's result, or undefined when Redis is unavailable, slow or failing (never a rejection). */
  private async viaRedis<T>(operation: (store: RedisStore) => Promise<T>): Promise<{ value: T } | undefined> {
    const shared = this.sharedStore();
    if (!shared) return undefined;
    try {
      await withTimeout(shared.ready, REDIS_TIMEOUT_MS);
      return { value: await withTimeout(operation(shared.store), REDIS_TIMEOUT_MS) };
    } catch (err) {
      // The RedisStore caches its script-load promises: one rejected while Redis blinked would poison it for
      // good, so drop it and build a fresh one (two SCRIPT LOADs) once Redis answers again.
      if (this.shared === shared) this.shared = undefined;
      this.pausedUntil = Date.now() + REDIS_BACKOFF_MS;
      this.log.debug({ err: (err as Error).message, prefix: this.prefix }, 'rate limit: redis call failed');
      return undefined;
    }
  }

  private sharedStore(): Shared | undefined {
    if (!this.options || this.redis.status !== 'ready' || Date.now() < this.pausedUntil) return undefined;
    if (!this.shared) {
      const store = new RedisStore({
        sendCommand: (command: string, ...args: string[]) => this.redis.call(command, ...args) as Promise<RedisReply>,
        prefix: this.prefix,
      });
      const ready = store.init(this.options);
      // Awaited (and its failure handled) by the request that triggered it; this keeps a rejection that
      // lands after that request timed out from surfacing as an unhandled rejection.
      ready.catch(() => undefined);
      this.shared = { store, ready };
    }
    return this.shared;
  }

  private noteMode(mode: 'redis' | 'memory'): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'memory') this.log.warn({ prefix: this.prefix }, 'rate limits counted in-process while redis is unavailable (per instance, not shared)');
    else this.log.info({ prefix: this.prefix }, 'rate limits shared through redis again');
  }
}
