import type net from 'node:net';

/** Each open connection costs a socket and some memory: past this, new streams get a 503 and retry elsewhere. */
export const MAX_STREAMS = 10_000;

export interface OpenStream {
  /** Who holds it (the client address) and what it follows (an order number), for the per-client and per-order caps. */
  client?: string;
  orderNumber?: string;
  /** The server the stream's socket belongs to: when it stops listening, the stream is ended. */
  server: net.Server | undefined;
  /** Ends the response cleanly: the client reconnects (to another instance) with its Last-Event-ID. */
  end(): void;
}

/**
 * The open streams of one API process. A stream never ends by itself, so `server.close()` would wait for
 * them forever: while streams are open, the registry ends those whose server has stopped listening.
 */
/** Why a stream was refused: which cap, so the answer can name the setting. */
export type Refusal = 'server' | 'client' | 'order';

export class StreamRegistry {
  limit = MAX_STREAMS;
  /** SSE_MAX_PER_CLIENT and SSE_MAX_PER_ORDER: one client must not hold the server's streams. */
  perClient = Infinity;
  perOrder = Infinity;
  private readonly streams = new Set<OpenStream>();
  private watchdog: NodeJS.Timeout | undefined;

  get open(): number {
    return this.streams.size;
  }

  /** Adds the stream, or says which cap it is over (nothing is added then). */
  add(stream: OpenStream): Refusal | undefined {
    if (this.streams.size >= this.limit) return 'server';
    let byClient = 0;
    let byOrder = 0;
    for (const s of this.streams) {
      if (stream.client !== undefined && s.client === stream.client) byClient++;
      if (stream.orderNumber !== undefined && s.orderNumber === stream.orderNumber) byOrder++;
    }
    if (byClient >= this.perClient) return 'client';
    if (byOrder >= this.perOrder) return 'order';
    this.streams.add(stream);
    if (!this.watchdog) {
      this.watchdog = setInterval(() => this.endOrphans(), 1000);
      this.watchdog.unref();
    }
    return undefined;
  }

  tryAdd(stream: OpenStream): boolean {
    return this.add(stream) === undefined;
  }

  remove(stream: OpenStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stopWatchdog();
  }

  endAll(): void {
    for (const stream of [...this.streams]) stream.end();
  }

  private endOrphans(): void {
    for (const stream of [...this.streams]) if (stream.server && !stream.server.listening) stream.end();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
