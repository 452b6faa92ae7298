import { randomInt } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Order numbers customers quote, e.g. DY-261125-7K3QM: the date plus 25 random bits, so numbers never
 * repeat even when the database is reset while Temporal keeps its history (the workflow id rejects
 * the rare clash and the caller draws again).
 */
export function newOrderNumber(now = new Date()): string {
  const date = now.toISOString().slice(2, 10).replace(/-/g, '');
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += CROCKFORD[randomInt(32)];
  return `DY-${date}-${suffix}`;
}

export const ORDER_NUMBER_PATTERN = /^DY-\d{6}-[0-9A-HJKMNP-TV-Z]{5}$/;
