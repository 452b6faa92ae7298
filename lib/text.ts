import { z } from 'zod';
import { CONTROL_CHARACTER_MESSAGE, CONTROL_CHARACTER_MESSAGE_MULTILINE, hasControlCharacters } from './controlCharacters';

export interface TextOptions {
  /** Every string has a cap: the database columns do, and so must what reaches a workflow. */
  max: number;
  min?: number;
  minMessage?: string;
  maxMessage?: string;
  /** Notes and reasons: \n and \t allowed (\r\n arrives from forms and becomes \n). */
  multiline?: boolean;
  /** Passwords keep their exact characters. */
  trim?: boolean;
  /** The message when the value is missing or not a string. */
  required?: string;
}

/**
 * The one schema for free text in every input: trimmed, length-capped, and refusing control characters,
 * so nothing the database would refuse can reach a workflow and wedge it.
 */
export function text(o: TextOptions): z.ZodString {
  let s = z.string({ error: o.required ?? 'must be text' });
  if (o.multiline) s = s.overwrite((v) => v.replace(/\r\n/g, '\n'));
  if (o.trim !== false) s = s.trim();
  if (o.min !== undefined) s = s.min(o.min, o.minMessage ?? (o.min === 1 ? 'must not be empty' : `must be at least ${o.min} characters`));
  s = s.max(o.max, o.maxMessage ?? `must be at most ${o.max} characters`);
  return s.refine((v) => !hasControlCharacters(v, o.multiline), o.multiline ? CONTROL_CHARACTER_MESSAGE_MULTILINE : CONTROL_CHARACTER_MESSAGE);
}
