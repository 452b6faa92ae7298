import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * What every local stand-in for a third-party API shares: a loopback server that closes promptly, the
 * `failNext` and `stallNext` knobs tests turn, request bodies read whole, and JSON fixtures.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port. */
export async function listenLocally(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // fetch keeps connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The whole request body as text, for handlers that must see it before answering. */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface Fault {
  status: number;
  /** Retry-After, when the test asked for one. */
  headers: Record<string, string>;
}

/** Which requests a planned fault applies to; all of them when empty. */
export interface FaultMatch {
  method?: string;
  path?: RegExp;
}

/** `failNext`: the next n (matching) requests are answered with a status of the test's choosing. */
export class FaultPlan {
  private remaining = 0;
  private status: number;
  private retryAfterSeconds?: number;
  private match: FaultMatch = {};

  constructor(private readonly defaultStatus = 503) {
    this.status = defaultStatus;
  }

  failNext(n: number, status = this.defaultStatus, retryAfterSeconds?: number, match: FaultMatch = {}): void {
    this.remaining = n;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.match = match;
  }

  /** The fault this request gets, if one is due; taking it uses it up. */
  take(method = '', urlPath = ''): Fault | undefined {
    if (this.remaining <= 0) return undefined;
    if ((this.match.method && this.match.method !== method) || (this.match.path && !this.match.path.test(urlPath))) return undefined;
    this.remaining -= 1;
    return { status: this.status, headers: this.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.retryAfterSeconds) } };
  }
}

/** `stallNext`: the next answer is held back, for timeout tests. */
export class Stall {
  private ms = 0;

  next(ms: number): void {
    this.ms = ms;
  }

  send(send: () => void): void {
    const wait = this.ms;
    this.ms = 0;
    if (wait > 0) setTimeout(send, wait).unref();
    else send();
  }
}

export function readJsonFixture(dir: string, file: string): Json {
  return JSON.parse(fs.readFileSync(path.join(dir, file.endsWith('.json') ? file : `${file}.json`), 'utf8')) as Json;
}

/** Replaces `{{name}}` placeholders in every string of a fixture. */
export function fillPlaceholders(value: Json, vars: Record<string, string>): Json {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, vars)]));
  return value;
}

/** Every `*.json` directly in `dir`, by name without the extension. */
export function jsonFixtures(dir: string): Array<{ name: string; body: Json }> {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ name: file.replace(/\.json$/, ''), body: readJsonFixture(dir, file) }));
}

/**
 * The journeys a fixture folder holds, by tracking number: every fixture but the named special files (tokens,
 * errors), each giving its numbers through `numbersOf`.
 */
export function journeyFixtures(dir: string, special: readonly string[], numbersOf: (body: Json) => Array<[string, Json]>): Map<string, { name: string; body: Json }> {
  const byNumber = new Map<string, { name: string; body: Json }>();
  for (const { name, body: fixture } of jsonFixtures(dir)) {
    if (special.includes(name)) continue;
    for (const [number, body] of numbersOf(fixture)) byNumber.set(number, { name, body });
  }
  return byNumber;
}

/** The OAuth bearer tokens a fake has issued, with their expiry, as the carriers' token endpoints keep them. */
export class IssuedTokens {
  private readonly expiry = new Map<string, number>();
  /** Tokens handed out so far. */
  issued = 0;

  issue(lifetimeSeconds: number, bytes = 24): string {
    const token = randomBytes(bytes).toString('base64url');
    this.expiry.set(token, Date.now() + lifetimeSeconds * 1000);
    this.issued += 1;
    return token;
  }

  /** Whether an `Authorization: Bearer …` header carries a token issued here and not yet expired. */
  accepts(authorization: string | undefined): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : this.expiry.get(bearer);
    return expiresAt !== undefined && expiresAt > Date.now();
  }

  /** Forgets every token, as a carrier does when they expire or are revoked. */
  expireAll(): void {
    this.expiry.clear();
  }
}
