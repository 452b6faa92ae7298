import { waitFor } from '../../lib/processes';

/** Reading MailDev 3's REST API (routes in node_modules/@maildev/api/dist/server.js). */

export interface MailDevAddress {
  address: string;
  name: string;
}

/** The subset of MailDev's Email JSON (@maildev/core types/email.d.ts) the tests read. */
export interface MailDevEmail {
  id: string;
  time: string;
  subject: string;
  from: MailDevAddress[];
  to: MailDevAddress[];
  html?: string;
  text?: string;
  headers: Record<string, string | string[]>;
  envelope?: { from?: MailDevAddress; to?: MailDevAddress[] };
}

async function api(webUrl: string, method: 'GET' | 'DELETE', path: string): Promise<unknown> {
  const res = await fetch(`${webUrl.replace(/\/+$/, '')}/api${path}`, { method, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`maildev ${method} /api${path}: ${res.status} ${text.slice(0, 200)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** `GET /api/email`: every email, in arrival order, with bodies and headers. */
export async function listEmails(webUrl: string): Promise<MailDevEmail[]> {
  return (await api(webUrl, 'GET', '/email')) as MailDevEmail[];
}

/** `GET /api/email/:id` (MailDev marks it read). */
export async function getEmail(webUrl: string, id: string): Promise<MailDevEmail> {
  return (await api(webUrl, 'GET', `/email/${encodeURIComponent(id)}`)) as MailDevEmail;
}

/** `DELETE /api/email/all`. */
export async function clearEmails(webUrl: string): Promise<void> {
  await api(webUrl, 'DELETE', '/email/all');
}

/** Polls until an email matches or the deadline passes; resolves with the first match. */
export async function waitForEmail(webUrl: string, predicate: (e: MailDevEmail) => boolean, timeoutMs = 10_000): Promise<MailDevEmail> {
  return waitFor('an email matching the predicate', async () => (await listEmails(webUrl)).find(predicate), { timeoutMs, intervalMs: 100 });
}

/** Header names come lower-cased from MailDev's parser; a repeated header is an array. */
export function headerOf(email: MailDevEmail, name: string): string | undefined {
  const value = email.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
