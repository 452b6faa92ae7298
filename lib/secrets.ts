import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares digests rather than the strings: they always have the same length, so neither the secret's content
 * nor its length shows in how long a wrong guess takes. A missing side never matches: an unconfigured secret
 * must refuse everything rather than accept an empty header.
 */
export function secretsMatch(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
