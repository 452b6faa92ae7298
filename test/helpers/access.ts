import { listEmails, type MailDevEmail, waitForEmail } from './mailSink';
import type { Http } from './system';

export const MAIL = (): string => process.env.TEST_MAILDEV_URL as string;

/** `name=value` pairs of every Set-Cookie, with the attributes each came with. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Record<string, string | true>;
}

export function setCookies(headers: Headers): SetCookie[] {
  return headers.getSetCookie().map((line) => {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const a of attrs) {
      const i = a.indexOf('=');
      if (i < 0) attributes[a.trim().toLowerCase()] = true;
      else attributes[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim();
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
  });
}

/** What a browser would send to `path` from these cookies (path-matched as RFC 6265 §5.1.4 says). */
export function cookieFor(cookies: SetCookie[], path: string): string {
  const matches = (cookiePath: string) => path === cookiePath || (path.startsWith(cookiePath) && (cookiePath.endsWith('/') || path[cookiePath.length] === '/'));
  return cookies
    .filter((c) => c.value !== '' && matches(String(c.attributes.path ?? '/')))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

/** Opens an order page link the way a browser does, without following the redirect. */
export async function openPage(http: Http, pathAndQuery: string) {
  const res = await http.raw(pathAndQuery, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), cookies: setCookies(res.headers) };
}

/** The path and query of the first order link in an e-mail to `to` about `orderId`. */
export function orderLinkIn(email: MailDevEmail, orderId: string): string | undefined {
  const text = `${email.text ?? ''}\n${email.html ?? ''}`;
  const m = new RegExp(`https?://[^\\s"'<>]*(/orders/${orderId}\\?link=[A-Za-z0-9_-]+)`).exec(text);
  return m?.[1];
}

export async function waitForLinkEmail(to: string, orderId: string, after: Set<string> = new Set()): Promise<{ email: MailDevEmail; link: string }> {
  const email = await waitForEmail(
    MAIL(),
    (e) => !after.has(e.id) && e.to.some((a) => a.address.toLowerCase() === to.toLowerCase()) && orderLinkIn(e, orderId) !== undefined && /sign|link|verify|access/i.test(e.subject),
    20_000,
  );
  return { email, link: orderLinkIn(email, orderId) as string };
}

export async function emailIdsTo(to: string): Promise<Set<string>> {
  return new Set((await listEmails(MAIL())).filter((e) => e.to.some((a) => a.address.toLowerCase() === to.toLowerCase())).map((e) => e.id));
}

/**
 * A verified customer the way a real one becomes one: ask for a one-time link with the order's token, open
 * it from the mailbox. Answers the cookies a browser would then hold.
 */
export async function verifiedCustomer(http: Http, order: { orderId: string; trackingToken: string }, email: string): Promise<SetCookie[]> {
  const before = await emailIdsTo(email);
  const asked = await http.post(`/api/orders/${order.orderId}/verify-email`, {}, { 'X-Tracking-Token': order.trackingToken });
  if (asked.status !== 202) throw new Error(`verify-email answered ${asked.status}: ${JSON.stringify(asked.body)}`);
  const { link } = await waitForLinkEmail(email, order.orderId, before);
  const opened = await openPage(http, link);
  if (opened.status !== 303) throw new Error(`opening the link answered ${opened.status}`);
  return opened.cookies;
}
