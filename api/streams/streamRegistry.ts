import type net from 'node:net';

/** Each open connection costs a socket and some memory: past this, new streams get a 503 and retry elsewhere. */
export const MAX_STREAMS = 10_000;

export interface OpenStream {
  /** The server the stream's socket belongs to: when it stops listening, the stream is ended. */
  server: net.Server | undefined;
  /** Ends the response cleanly: the client reconnects (to another instance) with its Last-Event-ID. */
  end(): void;
}

/**
 * The open streams of one API process. A stream never ends by itself, so `server.close()` would wait for
 * them forever: while streams are open, the registry ends those whose server has stopped listening.
 */
export class StreamRegistry {
  limit = MAX_STREAMS;
  private readonly streams = new Set<OpenStream>();
  private watchdog: NodeJS.Timeout | undefined;

  get open(): number {
    return this.streams.size;
  }

  tryAdd(stream: OpenStream): boolean {
    if (this.streams.size >= this.limit) return false;
    this.streams.add(stream);
    if (!this.watchdog) {
      this.watchdog = setInterval(() => this.endOrphans(), 1000);
      this.watchdog.unref();
    }
    return true;
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
