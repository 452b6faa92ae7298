/** The fetch plumbing shared by the HTTP channels (Twilio, Slack): timeouts, Retry-After, readable errors. */

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
}

export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
}

/** Resolves with any HTTP status; rejects (HttpTransportError) only when no answer came back in time. */
export async function httpRequest(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpReply> {
  try {
    const res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      // Redirects to somewhere else would replay credentials and bodies we did not mean to send there.
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    // Read inside the try: the timeout also covers a body that stalls half way.
    const text = await res.text();
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    const reason = errorField(err, 'name') === 'TimeoutError' ? `timed out after ${init.timeoutMs} ms` : describeError(err);
    throw new HttpTransportError(reason);
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Duck-typed rather than instanceof: fetch's errors (and DOMException) may come from another realm, e.g. under jest.
function errorField(err: unknown, field: 'name' | 'message' | 'cause' | 'code'): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[field] : undefined;
}

export function describeError(err: unknown): string {
  const message = errorField(err, 'message');
  if (typeof message !== 'string') return String(err);
  // Node's fetch hides the useful part (ECONNREFUSED, ...) in `cause`.
  const cause = errorField(errorField(err, 'cause'), 'message');
  return typeof cause === 'string' ? `${message}: ${cause}` : message;
}

/** Keeps credentials (Basic auth, Slack's secret path) out of error messages that end up in logs and rows. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid url)';
  }
}
