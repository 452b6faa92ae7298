// One order for staff: lines, payment, parcels, the full timeline with who did what, and cancel.
import { h, money, replace, statusText, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';

const root = document.getElementById('admin-order');
const orderId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[2] || '');
const CANCELLABLE = ['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'NEEDS_ATTENTION'];

function cancelForm(order) {
  if (!CANCELLABLE.includes(order.status)) return null;
  const message = h('p', { role: 'status' });
  const note = h('textarea', { id: 'cancel-note', name: 'note', rows: '2', maxlength: '500' });
  return h(
    'form',
    {
      class: 'panel',
      id: 'cancel-form',
      onsubmit: async (e) => {
        e.preventDefault();
        e.submitter && (e.submitter.disabled = true);
        try {
          const body = note.value.trim() ? { note: note.value.trim() } : {};
          render(await adminApi(`/api/admin/orders/${encodeURIComponent(orderId)}/cancel`, { method: 'POST', body }));
        } catch (err) {
          message.textContent = err.message;
          e.submitter && (e.submitter.disabled = false);
        }
      },
    },
    h('h2', {}, 'Cancel this order'),
    h('p', { class: 'muted' }, order.payment && order.payment.status === 'succeeded' ? 'The payment is refunded in full and the stock restored.' : 'The stock is released and the payment cancelled.'),
    h('div', { class: 'field' }, h('label', { for: 'cancel-note' }, 'Note for the timeline (optional)'), note),
    h('button', { type: 'submit', class: 'danger' }, 'Cancel order'),
    message,
  );
}

function render(order) {
  replace(
    root,
    h('div', { class: 'actions' }, h('h1', {}, `Order ${order.orderId}`), h('span', { class: 'status-pill', id: 'admin-order-status' }, statusText(order.status))),
    h('p', {}, `${order.name} · ${order.email} · placed ${when(order.createdAt)}`),
    h(
      'div',
      { class: 'layout-2' },
      h(
        'div',
        {},
        h('h2', {}, 'Lines'),
        h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'SKU'), h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', class: 'num' }, 'Qty'), h('th', { scope: 'col', class: 'num' }, 'Total'))), h('tbody', {}, order.lines.map((l) => h('tr', {}, h('td', {}, l.sku), h('td', {}, `${l.productName} (${l.size})`), h('td', { class: 'num' }, String(l.quantity)), h('td', { class: 'num' }, money(l.lineTotalPence))))))),
        h('div', { class: 'summary' }, h('div', { class: 'total' }, h('span', {}, 'Total'), h('span', {}, money(order.totals.totalPence))), order.refundedPence ? h('div', {}, h('span', {}, 'Refunded'), h('span', {}, money(order.refundedPence))) : null),
        h('h2', {}, 'Payment'),
        h('p', {}, order.payment ? `${order.payment.paymentIntentId} · ${order.payment.status} · ${money(order.payment.amountPence)}` : 'None yet'),
        h('h2', {}, 'Parcels'),
        order.shipments.length ? order.shipments.map((s) => h('p', {}, `${s.carrier} · ${s.trackingNumber} · ${statusText(s.status)}`)) : h('p', { class: 'muted' }, 'Not shipped yet'),
        cancelForm(order),
      ),
      h('div', {}, h('h2', {}, 'Timeline'), h('ol', { class: 'timeline', id: 'admin-timeline' }, [...order.timeline].reverse().map((e) => h('li', {}, h('time', { datetime: e.occurredAt }, when(e.occurredAt)), e.toStatus ? `${statusText(e.toStatus)}${e.reason ? ` (${e.reason})` : ''}` : e.type.replace(/_/g, ' '), h('div', { class: 'muted actor' }, e.actor), e.data && e.data.note ? h('div', {}, `“${e.data.note}”`) : null)))),
    ),
  );
  root.setAttribute('aria-busy', 'false');
}

requireSession()
  .then(() => adminApi(`/api/admin/orders/${encodeURIComponent(orderId)}`))
  .then(render)
  .catch((err) => replace(root, h('p', { class: 'notice bad' }, err.message)));
