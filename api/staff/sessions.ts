import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Request, Response } from 'express';
import { type Config, msOf } from '../../lib/config';

/** What Redis holds per session. The id itself is not stored: a copy of Redis cannot be replayed as cookies. */
interface StoredSession {
  staffId: number;
  csrfToken: string;
  createdAt: number;
  /** The absolute end: no activity extends a session past it. */
  expiresAt: number;
}

export interface Session extends StoredSession {
  id: string;
}

export class SessionsUnavailableError extends Error {}

const keyOf = (id: string): string => `staff:session:${createHash('sha256').update(id).digest('hex')}`;

/** 256 random bits, base64url: unguessable, and safe in a cookie without quoting. */
const newSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Staff sessions in Redis, with two expiries: idle (the key's TTL, renewed by each request) and absolute
 * (kept in the record; the TTL is never set beyond it). Redis is required here, unlike for orders: with it
 * down nobody can sign in, but customers still buy.
 */
export class SessionStore {
  private readonly idleMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly redis: Redis,
    config: Config,
  ) {
    this.idleMs = msOf(config.STAFF_SESSION_IDLE);
    this.maxMs = msOf(config.STAFF_SESSION_MAX);
  }

  async create(staffId: number): Promise<Session> {
    const now = Date.now();
    const session: Session = { id: newSecret(), staffId, csrfToken: newSecret(), createdAt: now, expiresAt: now + this.maxMs };
    const stored: StoredSession = { staffId, csrfToken: session.csrfToken, createdAt: session.createdAt, expiresAt: session.expiresAt };
    await this.call(() => this.redis.set(keyOf(session.id), JSON.stringify(stored), 'PX', Math.min(this.idleMs, this.maxMs)));
    return session;
  }

  /** The live session for this id, its idle expiry pushed back; undefined when unknown or expired. */
  async touch(id: string): Promise<Session | undefined> {
    const key = keyOf(id);
    const raw = await this.call(() => this.redis.get(key));
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as StoredSession;
    const remaining = stored.expiresAt - Date.now();
    if (remaining <= 0) {
      await this.call(() => this.redis.del(key));
      return undefined;
    }
    await this.call(() => this.redis.pexpire(key, Math.min(this.idleMs, remaining)));
    return { id, ...stored };
  }

  async destroy(id: string): Promise<void> {
    await this.call(() => this.redis.del(keyOf(id)));
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new SessionsUnavailableError('redis is not connected');
    try {
      return await op();
    } catch (err) {
      throw new SessionsUnavailableError((err as Error).message);
    }
  }
}

/**
 * `__Host-` in production: the browser then insists on Secure, Path=/ and no Domain, so no sibling subdomain
 * can set or shadow it. Plain HTTP in dev cannot carry a Secure cookie, hence the plain name there.
 */
export function cookieName(config: Config): string {
  return config.NODE_ENV === 'production' ? '__Host-dy_staff' : 'dy_staff';
}

export function sessionIdFrom(req: Request, config: Config): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const name = cookieName(config);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function setSessionCookie(res: Response, config: Config, session: Session): void {
  res.cookie(cookieName(config), session.id, {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.NODE_ENV === 'production',
    path: '/',
    // A session cookie for the browser (gone when it closes); the server's expiries are the real limits.
  });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(cookieName(config), { httpOnly: true, sameSite: 'strict', secure: config.NODE_ENV === 'production', path: '/' });
}
