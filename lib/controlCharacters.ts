/**
 * No imports: workflow code uses this module too.
 *
 * C0 controls, DEL and C1 controls. PostgreSQL refuses NUL outright (text and jsonb alike), and the others
 * have no business in a name or a note: they break e-mails, labels, CSV exports and terminals.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Notes and reasons may span lines and carry tabs; nothing else invisible. */
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const CONTROL_MULTILINE_ALL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters (such as NUL)';
export const CONTROL_CHARACTER_MESSAGE_MULTILINE = 'must not contain control characters other than line breaks and tabs';

export function hasControlCharacters(value: string, multiline = false): boolean {
  return (multiline ? CONTROL_MULTILINE : CONTROL).test(value);
}

/**
 * Replaces what the input schemas refuse, for data that reached a workflow without passing one (a client of
 * Temporal itself, a carrier's or Stripe's payload): what the database refused is then still recorded, with
 * U+FFFD where it refused. Pure and deterministic, so workflow code may use it.
 */
export function scrubControlCharacters<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replace(CONTROL_MULTILINE_ALL, '\uFFFD') as T;
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubControlCharacters(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[scrubControlCharacters(k, depth + 1)] = scrubControlCharacters(v, depth + 1);
  return out as T;
}

/** Does any string in this value (keys included) hold a character PostgreSQL or our schemas refuse? */
export function containsControlCharacters(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return CONTROL_MULTILINE.test(value);
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsControlCharacters(v, depth + 1));
  return Object.entries(value as Record<string, unknown>).some(([k, v]) => CONTROL_MULTILINE.test(k) || containsControlCharacters(v, depth + 1));
}

/** NUL, or a surrogate without its pair: what PostgreSQL cannot store in text or jsonb. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The dotted paths (e.g. data.object.metadata.note) of every string, or key, PostgreSQL would refuse. */
export function unstorablePaths(value: unknown, path: string[] = [], out: string[] = []): string[] {
  if (out.length >= 50) return out;
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) out.push(path.join('.') || '(body)');
    return out;
  }
  if (path.length > 30 || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (UNSTORABLE.test(k)) out.push([...path, k.replace(UNSTORABLE, '?')].join('.'));
    else unstorablePaths(v, [...path, k], out);
  }
  return out;
}
