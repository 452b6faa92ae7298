// Orders: search by e-mail, status and dates, a page at a time.
import { h, money, replace, statusText, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';

const PAGE = 25;
const form = document.getElementById('order-filters');
const list = document.getElementById('orders');
const notice = document.getElementById('orders-notice');
const prev = document.getElementById('prev-page');
const next = document.getElementById('next-page');
const info = document.getElementById('page-info');
const STATUSES = ['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'NEEDS_ATTENTION', 'CANCELLED', 'OUT_OF_STOCK'];

let offset = 0;

function query() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  const v = (n) => form.elements[n].value.trim();
  if (v('email')) params.set('email', v('email'));
  if (v('status')) params.set('status', v('status'));
  if (v('carrier')) params.set('carrier', v('carrier'));
  if (v('from')) params.set('from', new Date(`${v('from')}T00:00:00`).toISOString());
  if (v('to')) params.set('to', new Date(`${v('to')}T00:00:00`).toISOString());
  return params;
}

async function load() {
  replace(notice);
  list.setAttribute('aria-busy', 'true');
  try {
    const data = await adminApi(`/api/admin/orders?${query()}`);
    replace(
      list,
      data.orders.length === 0
        ? h('p', { class: 'muted' }, 'No orders match.')
        : h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, 'Orders, newest first'), h('thead', {}, h('tr', {}, ['Order', 'Placed', 'Customer', 'Status', 'Total'].map((t) => h('th', { scope: 'col', class: t === 'Total' ? 'num' : undefined }, t)))), h('tbody', {}, data.orders.map((o) => h('tr', { dataset: { orderId: o.orderId } }, h('td', {}, h('a', { href: `/admin/orders/${encodeURIComponent(o.orderId)}` }, o.orderId)), h('td', {}, when(o.createdAt)), h('td', {}, o.name, h('div', { class: 'muted' }, o.email)), h('td', {}, h('span', { class: 'status-pill' }, statusText(o.status)), o.attentionReason ? h('div', { class: 'error' }, o.attentionReason) : null), h('td', { class: 'num' }, money(o.totalPence))))))),
    );
    prev.disabled = offset === 0;
    next.disabled = data.orders.length < PAGE;
    info.textContent = data.orders.length ? `${offset + 1}–${offset + data.orders.length}` : '';
  } catch (err) {
    replace(notice, h('p', { class: 'notice bad' }, err.message));
  }
  list.setAttribute('aria-busy', 'false');
}

for (const s of STATUSES) form.elements.status.append(h('option', { value: s }, statusText(s)));
form.addEventListener('submit', (e) => {
  e.preventDefault();
  offset = 0;
  load();
});
form.addEventListener('reset', () => setTimeout(() => ((offset = 0), load())));
prev.addEventListener('click', () => ((offset = Math.max(0, offset - PAGE)), load()));
next.addEventListener('click', () => ((offset += PAGE), load()));
requireSession().then(load);
