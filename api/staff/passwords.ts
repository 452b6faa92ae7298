import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's minimum (19 MiB, t=2, p=1). The PHC string carries algorithm and parameters, so
 * raising them later only changes new hashes. `algorithm: 2` is Argon2id: the package's enum is a const enum
 * that isolatedModules cannot read.
 */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS as Parameters<typeof hash>[1]);
}

let decoy: Promise<string> | undefined;

/**
 * True when the password matches. With no hash (unknown or disabled account) a decoy hash is verified all the
 * same, so the answer takes as long as for a real account and does not reveal which e-mails exist.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (!stored) {
    decoy ??= hashPassword('decoy password that matches nothing');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Long enough to resist guessing behind the login limits; no composition rules (NIST SP 800-63B). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
