// Calls to the DY Orders API from the pages, and the few formatting helpers every page shares.

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `the server answered ${status}`);
    this.status = status;
    this.code = error.code;
    this.fields = error.fields || [];
    this.body = body;
  }
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const gbp = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
/** Money is integer pence everywhere; only the display divides. */
export const money = (pence) => gbp.format((pence || 0) / 100);

const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
const longDate = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'Europe/London' });
export const when = (iso) => (iso ? dateTime.format(new Date(iso)) : '');
export const day = (iso) => (iso ? longDate.format(new Date(iso)) : '');

/**
 * Builds DOM without innerHTML, so text from the API (names, addresses, carrier messages) is never markup.
 * `attrs` keys starting with "on" are listeners; `class`, `text`, `for` and the rest are attributes.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function replace(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
}

/** Shows field errors from a 400 next to the inputs (by name) and returns the ones no input took. */
export function showFieldErrors(form, fields, nameOf = (f) => f) {
  for (const old of form.querySelectorAll('.error[data-for]')) old.remove();
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
  }
  const left = [];
  for (const f of fields) {
    const input = form.querySelector(`[name="${CSS.escape(nameOf(f.field))}"]`);
    if (!input) {
      left.push(f);
      continue;
    }
    const id = `${input.id || input.name}-error`;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', id);
    input.closest('.field')?.append(h('p', { class: 'error', id, 'data-for': input.name, text: f.message }));
  }
  return left;
}

export const STATUS_TEXT = {
  PENDING: 'Being placed',
  AWAITING_PAYMENT: 'Waiting for payment',
  PAID: 'Payment received',
  PROCESSING: 'Preparing your order',
  PICKING: 'Being picked',
  PACKED: 'Packed',
  SHIPPED: 'On its way',
  PARTIALLY_SHIPPED: 'Partly on its way',
  PARTIALLY_DELIVERED: 'Partly delivered',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
  OUT_OF_STOCK: 'Out of stock',
  NEEDS_ATTENTION: 'We are looking into it',
  REFUNDED: 'Refunded',
  RETURN_REQUESTED: 'Return requested',
  PARTIALLY_RETURNED: 'Partly returned',
  RETURNED: 'Returned',
};
export function statusText(s) {
  if (STATUS_TEXT[s]) return STATUS_TEXT[s];
  const words = String(s || '').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const CARRIERS = { 'royal-mail': 'Royal Mail', dpd: 'DPD', fedex: 'FedEx', ups: 'UPS', dhl: 'DHL', sandbox: 'DY Sandbox Carrier' };
export const carrierName = (c) => CARRIERS[c] || c;
