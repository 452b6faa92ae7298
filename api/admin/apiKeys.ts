import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/connection';
import { type StaffRole, STAFF_ROLES } from '../staff/roles';

/** A key as the admin API lists it: never the key, nor its hash. */
export interface ApiKeyInfo {
  id: number;
  name: string;
  prefix: string;
  scopes: StaffRole[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Who a request authorised by a key is: recorded as its actor, whatever the body says. */
export interface ApiKeyPrincipal {
  id: number;
  name: string;
  scopes: StaffRole[];
}

export const API_KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const DEV_KEY_NAME = 'dev';

export class ApiKeyExistsError extends Error {}

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

const info = (row: Record<string, any>): ApiKeyInfo => ({
  id: Number(row.id),
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdAt: new Date(row.created_at).toISOString(),
  revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
});

/**
 * A new key: `dyk_<8 hex>_<43 base64url>`, 32 bytes of secret. The key is returned once and only its SHA-256
 * is stored; the prefix tells keys apart in lists without revealing anything that opens one.
 */
export async function createApiKey(db: Db, name: string, scopes: StaffRole[]): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!API_KEY_NAME.test(name)) throw new Error('name: lower-case letters, digits, ".", "_" or "-", at most 64');
  if (scopes.length === 0 || scopes.some((s) => !STAFF_ROLES.includes(s))) throw new Error('scope: admin, warehouse or support');
  const prefix = `dyk_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  try {
    const [row] = await db('api_keys').insert({ name, prefix, key_hash: hashKey(key), scopes: [...new Set(scopes)] }).returning('*');
    return { key, info: info(row) };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ApiKeyExistsError(`an API key named ${name} already exists`);
    throw err;
  }
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  return (await db('api_keys').orderBy('id')).map(info);
}

/** Revoked keys stay listed (their name is in the event log); revoking twice is a no-op. */
export async function revokeApiKey(db: Db, name: string): Promise<ApiKeyInfo | undefined> {
  await db('api_keys').where({ name }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  const row = await db('api_keys').where({ name }).first();
  return row ? info(row) : undefined;
}

/** The unrevoked key behind a presented secret; last_used_at is kept to the minute so a busy key is one write a minute. */
export async function findApiKey(db: Db, presented: string): Promise<ApiKeyPrincipal | undefined> {
  const row = await db('api_keys').where({ key_hash: hashKey(presented) }).whereNull('revoked_at').first('id', 'name', 'scopes', 'last_used_at');
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
    await db('api_keys').where({ id: row.id }).update({ last_used_at: db.fn.now() });
  }
  return { id: Number(row.id), name: row.name, scopes: row.scopes };
}

/**
 * ADMIN_API_TOKEN outside production: the key named `dev` (scope admin) with that token's hash, so the
 * token is a key like any other (listed, revocable, recorded as key:dev). A revoked dev key stays revoked;
 * a changed token replaces the hash of an unrevoked one.
 */
export async function seedDevKey(db: Db, token: string): Promise<void> {
  const prefix = token.slice(0, 4);
  await db.raw(
    `INSERT INTO api_keys (name, prefix, key_hash, scopes) VALUES (?, ?, ?, ARRAY['admin'])
     ON CONFLICT (name) DO UPDATE SET key_hash = EXCLUDED.key_hash WHERE api_keys.revoked_at IS NULL AND api_keys.key_hash <> EXCLUDED.key_hash`,
    [DEV_KEY_NAME, prefix, hashKey(token)],
  ).catch(async (err: { code?: string }) => {
    // Another key already has this hash (the same token seeded under another name): nothing to add.
    if (err.code !== '23505') throw err;
  });
}
