/** Money, escaping and links shared by every template. Money is integer pence end to end: no floats, ever. */

export { formatPence } from '../../../lib/money';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For element text and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Only http(s) links reach a message: a carrier's or customer's `javascript:` URL is dropped, not escaped. */
export function safeHttpUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function base(publicBaseUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, '');
}

/** The customer's order page with a message's own link (never the order's token): it opens that order read-only. */
export function orderPageUrl(publicBaseUrl: string, orderNumber: string, linkSecret: string): string {
  return `${base(publicBaseUrl)}/orders/${encodeURIComponent(orderNumber)}?link=${encodeURIComponent(linkSecret)}`;
}

/** Checkout prefilled with the same items, e.g. `/checkout?retry=DY-1&items=DY-TEE-M:1,DY-HOOD-L:2`. */
export function retryCheckoutUrl(publicBaseUrl: string, orderNumber: string, items: ReadonlyArray<{ sku: string; quantity: number }>): string {
  // `:` and `,` stay literal (both are allowed in a query) so the link reads well in a plain-text email.
  const list = items.map((i) => `${encodeURIComponent(i.sku)}:${i.quantity}`).join(',');
  const query = `retry=${encodeURIComponent(orderNumber)}${list ? `&items=${list}` : ''}`;
  return `${base(publicBaseUrl)}/checkout?${query}`;
}

export function adminOrderUrl(publicBaseUrl: string, orderNumber: string): string {
  return `${base(publicBaseUrl)}/admin/orders/${encodeURIComponent(orderNumber)}`;
}

/** "Thursday 27 November" in UK time; anything unparseable is shown as it came. */
export function formatDate(value: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'Europe/London' }).format(at);
}
