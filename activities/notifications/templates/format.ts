/** Money, escaping and links shared by every template. Money is integer pence end to end: no floats, ever. */

/** 7000 → "£70.00", 1167 → "£11.67", 5 → "£0.05", 123456 → "£1,234.56", -250 → "-£2.50". */
export function formatPence(pence: number): string {
  if (!Number.isSafeInteger(pence)) throw new RangeError(`an amount in pence must be a safe integer, got ${pence}`);
  const sign = pence < 0 ? '-' : '';
  const abs = pence < 0 ? -pence : pence;
  const pennies = abs % 100;
  // Exact: abs - pennies is a multiple of 100, so the division has no remainder to round.
  const pounds = (abs - pennies) / 100;
  const grouped = String(pounds).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}£${grouped}.${String(pennies).padStart(2, '0')}`;
}

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
