// One order for staff: what needs deciding (NEEDS_ATTENTION actions), lines, payments and refunds, every parcel
// with its tracking history, returns, the messages sent (resend the failed ones), the full timeline with who did
// what, the order's execution in the Temporal UI, and cancel. It follows the admin event stream and reloads when
// this order moves, unless someone is typing into one of its forms.
import '../orderStream.js';
import { carrierName, h, money, replace, statusText, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';
import { staffStatusText } from './status.js';

const root = document.getElementById('admin-order');
const orderId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[2] || '');
const base = `/api/admin/orders/${encodeURIComponent(orderId)}`;
const CANCELLABLE = ['AWAITING_PAYMENT', 'PAID', 'PROCESSING', 'PICKING', 'PACKED', 'NEEDS_ATTENTION'];
const BAD = ['NEEDS_ATTENTION', 'CANCELLED', 'OUT_OF_STOCK', 'REFUNDED', 'FAILURE', 'RETURNED_TO_SENDER', 'STALE'];
const GOOD = ['DELIVERED', 'RETURNED'];
const RESENDABLE = ['failed', 'bounced'];

/** What each decision on a parcel in trouble does, in the words the buttons and their help use. */
const ACTIONS = {
  resolve: { label: 'Mark resolved', help: 'The problem is sorted (the parcel was found, the address fixed): keep following this parcel.' },
  retry: { label: 'Retry', help: 'Try again: book the parcel again, or carry on where the order stopped.' },
  reship: { label: 'Reship parcel', help: "Take the parcel's stock again and send a new parcel; this one is closed as replaced.", confirm: 'Take the stock again and send a new parcel?' },
  refund_lines: { label: 'Refund its lines', help: "Refund this parcel's lines as paid (and the delivery charge when nothing else will arrive); the parcel is closed.", confirm: "Refund this parcel's lines to the customer's card?" },
};

let session;
let current = { order: null, shipments: null, payments: null, notifications: null, execution: null, errors: {} };

const pill = (status) => h('span', { class: `status-pill${BAD.includes(status) ? ' bad' : GOOD.includes(status) ? ' ok' : ''}` }, staffStatusText(status));
const table = (caption, heads, rows) =>
  h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', class: /^(Qty|Total|Amount|Attempts|Refund)$/.test(t) ? 'num' : undefined }, t)))), h('tbody', {}, rows)));
const linesText = (lines, order) =>
  (lines || [])
    .map((l) => {
      const line = order?.lines.find((o) => o.lineNo === l.lineNo);
      return `${l.quantity} × ${line ? `${line.productName} (${line.size})` : l.sku}`;
    })
    .join(', ');
const canAct = () => session && ['admin', 'support'].includes(session.staff.role);

/** A form's typed note or focused control would be lost by a re-render: live reloads wait for it. */
function busyEditing() {
  const active = document.activeElement;
  if (active && root.contains(active) && active.closest('form')) return true;
  return [...root.querySelectorAll('textarea')].some((t) => t.value.trim() !== '');
}

// ---- actions ------------------------------------------------------------------------------------------------

function attentionForm(order, parcel) {
  const key = parcel ? `parcel-${parcel.shipmentNo}` : 'order';
  const message = h('p', { role: 'alert', class: 'error' });
  const note = h('textarea', { id: `${key}-note`, name: 'note', rows: '2', maxlength: '500' });
  const actions = !parcel ? ['retry'] : parcel.exception?.reason === 'CARRIER_REJECTED' ? ['retry', 'refund_lines'] : ['resolve', 'reship', 'refund_lines'];
  let confirming;
  const buttons = actions.map((action) => h('button', { type: 'submit', name: 'action', value: action, class: action === 'refund_lines' ? 'danger' : action === 'reship' ? 'secondary' : undefined }, ACTIONS[action].label));
  const reset = () => {
    confirming = undefined;
    buttons.forEach((b) => (b.textContent = ACTIONS[b.value].label));
  };
  return h(
    'form',
    {
      class: 'panel attention-form',
      dataset: { shipmentNo: parcel ? String(parcel.shipmentNo) : '' },
      'aria-labelledby': `${key}-title`,
      onsubmit: async (e) => {
        e.preventDefault();
        const action = e.submitter?.value;
        if (!action) return;
        // The two actions that move stock or money ask once more, on the same button.
        if (ACTIONS[action].confirm && confirming !== action) {
          reset();
          confirming = action;
          e.submitter.textContent = `Confirm: ${ACTIONS[action].label.toLowerCase()}`;
          message.textContent = `${ACTIONS[action].confirm} Press the button again to confirm.`;
          return;
        }
        buttons.forEach((b) => (b.disabled = true));
        message.textContent = '';
        try {
          const body = { action };
          if (parcel) body.shipmentNo = parcel.shipmentNo;
          if (note.value.trim()) body.note = note.value.trim();
          const order = await adminApi(`${base}/attention`, { method: 'POST', body });
          note.value = '';
          await reload(order);
        } catch (err) {
          message.textContent = err.message;
          buttons.forEach((b) => (b.disabled = false));
          reset();
        }
      },
    },
    h('h3', { id: `${key}-title` }, parcel ? `Parcel ${parcel.shipmentNo}: ${parcel.exception ? parcel.exception.reason.replace(/_/g, ' ').toLowerCase() : 'problem'}` : `Order: ${(order.attentionReason || 'needs attention').replace(/_/g, ' ').toLowerCase()}`),
    parcel ? h('p', {}, `${carrierName(parcel.carrier) || 'No carrier yet'}${parcel.trackingNumber ? ` · ${parcel.trackingNumber}` : ''} · ${linesText(parcel.lines, order)}`) : null,
    parcel?.exception?.detail ? h('p', { class: 'muted' }, parcel.exception.detail) : null,
    h('ul', { class: 'muted action-help' }, actions.map((a) => h('li', {}, h('strong', {}, ACTIONS[a].label), ': ', ACTIONS[a].help))),
    h('div', { class: 'field' }, h('label', { for: `${key}-note` }, 'Note on this decision (optional)'), note),
    h('div', { class: 'actions' }, buttons),
    message,
  );
}

function attentionPanel(order) {
  if (order.status !== 'NEEDS_ATTENTION' || !canAct()) return null;
  const open = (order.shipments || []).filter((s) => s.exception && !s.closedAs && s.shipmentNo !== undefined);
  return h(
    'section',
    { id: 'attention', class: 'notice bad', 'aria-labelledby': 'attention-title' },
    h('h2', { id: 'attention-title' }, 'Needs attention'),
    h('p', {}, `Reason: ${order.attentionReason || 'not recorded'}. Decide for each parcel in trouble; the order carries on once none is left.`),
    open.length ? open.map((p) => attentionForm(order, p)) : attentionForm(order, null),
  );
}

function cancelForm(order) {
  if (!CANCELLABLE.includes(order.status) || !canAct()) return null;
  const message = h('p', { role: 'alert', class: 'error' });
  const note = h('textarea', { id: 'cancel-note', name: 'note', rows: '2', maxlength: '500' });
  return h(
    'form',
    {
      class: 'panel',
      id: 'cancel-form',
      'aria-labelledby': 'cancel-title',
      onsubmit: async (e) => {
        e.preventDefault();
        e.submitter && (e.submitter.disabled = true);
        try {
          const body = note.value.trim() ? { note: note.value.trim() } : {};
          const order = await adminApi(`${base}/cancel`, { method: 'POST', body });
          note.value = '';
          await reload(order);
        } catch (err) {
          message.textContent = err.message;
          e.submitter && (e.submitter.disabled = false);
        }
      },
    },
    h('h2', { id: 'cancel-title' }, 'Cancel this order'),
    h('p', { class: 'muted' }, order.payment && order.payment.status === 'succeeded' ? 'The payment is refunded in full and the stock restored.' : 'The stock is released and the payment cancelled.'),
    h('div', { class: 'field' }, h('label', { for: 'cancel-note' }, 'Note for the timeline (optional)'), note),
    h('button', { type: 'submit', class: 'danger' }, 'Cancel order'),
    message,
  );
}

async function resend(id, button, status) {
  button.disabled = true;
  status.textContent = 'Resending…';
  try {
    const res = await adminApi(`/api/admin/notifications/${encodeURIComponent(id)}/resend`, { method: 'POST' });
    status.textContent = res.notification.status === 'sent' ? 'Sent' : `Still ${res.notification.status}`;
    await reload();
  } catch (err) {
    status.textContent = err.message;
    button.disabled = false;
  }
}

// ---- sections -----------------------------------------------------------------------------------------------

const unavailable = (what, err) => h('p', { class: 'notice warn' }, `${what} could not be loaded: ${err.message}`);

function linesSection(order) {
  const t = order.totals;
  return h(
    'section',
    { 'aria-labelledby': 'lines-title' },
    h('h2', { id: 'lines-title' }, 'Lines'),
    table('Order lines', ['#', 'SKU', 'Item', 'Qty', 'Total'], order.lines.map((l) => h('tr', {}, h('td', {}, String(l.lineNo)), h('td', {}, l.sku), h('td', {}, `${l.productName} (${l.size})`), h('td', { class: 'num' }, String(l.quantity)), h('td', { class: 'num' }, money(l.lineTotalPence))))),
    // The warehouse's view of an order carries no money (api/admin/warehouseView.ts).
    t &&
    h(
      'div',
      { class: 'summary' },
      h('div', {}, h('span', {}, 'Goods'), h('span', {}, money(t.subtotalPence))),
      h('div', {}, h('span', {}, `Delivery${order.shippingOption ? ` (${order.shippingOption.replace(/_/g, ' ')})` : ''}`), h('span', {}, money(t.shippingPence))),
      h('div', {}, h('span', {}, 'of which VAT'), h('span', {}, money(t.vatPence))),
      h('div', { class: 'total' }, h('span', {}, 'Total'), h('span', {}, money(t.totalPence))),
      order.refundedPence ? h('div', {}, h('span', {}, 'Refunded'), h('span', { id: 'refunded-total' }, money(order.refundedPence))) : null,
    ),
  );
}

function paymentsSection(order) {
  if (!canAct()) return null; // payments are support's and admins' (the warehouse is refused them)
  const data = current.payments;
  let body;
  if (current.errors.payments) body = unavailable('Payments', current.errors.payments);
  else if (!data) body = h('p', { class: 'muted' }, order.payment ? `${order.payment.paymentIntentId} · ${order.payment.status} · ${money(order.payment.amountPence)}` : 'None yet');
  else
    body = [
      data.payments.length
        ? table('Payments', ['PaymentIntent', 'Status', 'Amount', 'When'], data.payments.map((p) => h('tr', {}, h('td', {}, p.paymentIntentId), h('td', {}, p.status, p.failureMessage ? h('div', { class: 'muted' }, p.failureMessage) : null), h('td', { class: 'num' }, money(p.amountPence)), h('td', {}, when(p.createdAt)))))
        : h('p', { class: 'muted' }, 'No payment yet.'),
      h('h3', {}, 'Refunds'),
      data.refunds.length
        ? table('Refunds', ['Reason', 'Status', 'Amount', 'When'], data.refunds.map((r) => h('tr', {}, h('td', {}, r.reason.replace(/_/g, ' ').toLowerCase(), r.stripeRefundId ? h('div', { class: 'muted' }, r.stripeRefundId) : null), h('td', {}, r.status), h('td', { class: 'num' }, money(r.amountPence)), h('td', {}, when(r.createdAt)))))
        : h('p', { class: 'muted' }, 'No refunds.'),
    ];
  return h('section', { id: 'payments', 'aria-labelledby': 'payments-title' }, h('h2', { id: 'payments-title' }, 'Payments and refunds'), body);
}

function parcel(order, s) {
  const events = s.events || [];
  // Labels are the warehouse's to print (the route admits warehouse and admin sessions).
  const labelable = s.kind !== 'return' && s.trackingNumber && !['REPLACED', 'REFUNDED', 'CANCELLED'].includes(s.status) && s.shipmentNo !== undefined && ['admin', 'warehouse'].includes(session?.staff.role);
  return h(
    'article',
    { class: 'panel parcel', dataset: { shipmentNo: String(s.shipmentNo ?? '') } },
    h('div', { class: 'actions' }, h('h3', {}, `${s.kind === 'return' ? 'Return' : 'Parcel'} ${s.shipmentNo ?? ''}`), pill(s.closedAs || s.status)),
    h('p', {}, [carrierName(s.carrier) || 'Carrier not chosen yet', s.service, s.trackingNumber].filter(Boolean).join(' · ')),
    s.lines && s.lines.length ? h('p', { class: 'muted' }, linesText(s.lines, order)) : null,
    s.estimatedDelivery ? h('p', {}, `Estimated delivery ${when(s.estimatedDelivery)}`) : null,
    s.replacesShipmentNo ? h('p', { class: 'muted' }, `Replaces parcel ${s.replacesShipmentNo}`) : null,
    s.exception ? h('p', { class: 'error' }, `${s.exception.reason}${s.exception.detail ? `: ${s.exception.detail}` : ''}`) : null,
    labelable ? h('p', {}, h('a', { href: `${base}/shipments/${s.shipmentNo}/label.pdf` }, 'Label (PDF)')) : null,
    h(
      'details',
      {},
      h('summary', {}, `Tracking history (${events.length} event${events.length === 1 ? '' : 's'})`),
      events.length
        ? h('ol', { class: 'timeline' }, [...events].reverse().map((e) => h('li', {}, h('time', { datetime: e.occurredAt }, when(e.occurredAt)), `${statusText(e.status)}${e.description ? `: ${e.description}` : ''}`, e.location ? h('div', { class: 'muted' }, e.location) : null)))
        : h('p', { class: 'muted' }, 'No carrier events yet.'),
    ),
  );
}

function parcelsSection(order) {
  const list = current.shipments ?? order.shipments ?? [];
  return h(
    'section',
    { id: 'parcels', 'aria-labelledby': 'parcels-title' },
    h('h2', { id: 'parcels-title' }, 'Parcels'),
    current.errors.shipments ? unavailable('The full tracking history', current.errors.shipments) : null,
    list.length ? list.map((s) => parcel(order, s)) : h('p', { class: 'muted' }, 'Not shipped yet.'),
  );
}

function returnsSection(order) {
  if (!order.returns || order.returns.length === 0) return null;
  return h(
    'section',
    { id: 'returns', 'aria-labelledby': 'returns-title' },
    h('h2', { id: 'returns-title' }, 'Returns'),
    table('Returns', ['Return', 'Lines', 'Reason', 'Status', 'Refund'], order.returns.map((r) => h('tr', {}, h('td', {}, String(r.returnNo)), h('td', {}, linesText(r.lines, order)), h('td', {}, r.reason), h('td', {}, staffStatusText(r.status)), h('td', { class: 'num' }, r.refundPence !== undefined && r.refundPence !== null ? money(r.refundPence) : '—')))),
  );
}

function notificationsSection() {
  let body;
  if (!canAct()) return null;
  if (current.errors.notifications) body = unavailable('Messages', current.errors.notifications);
  else if (!current.notifications) body = h('p', { class: 'muted' }, 'Loading…');
  else if (current.notifications.length === 0) body = h('p', { class: 'muted' }, 'No messages yet.');
  else
    body = table(
      'Messages about this order, newest first',
      ['When', 'Message', 'To', 'Status', 'Attempts', ''],
      current.notifications.map((n) => {
        const status = h('span', { role: 'status' });
        const button = RESENDABLE.includes(n.status) ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Resend ${n.template.replace(/_/g, ' ')} by ${n.channel} (message ${n.id})`, onclick: (e) => resend(n.id, e.currentTarget, status) }, 'Resend') : null;
        return h(
          'tr',
          { class: n.status === 'failed' || n.status === 'bounced' ? 'failed' : undefined, dataset: { notificationId: String(n.id) } },
          h('td', {}, when(n.createdAt)),
          h('td', {}, n.template.replace(/_/g, ' '), h('div', { class: 'muted' }, `${n.channel} · ${n.audience}`)),
          h('td', {}, n.recipient),
          h('td', {}, n.status, n.lastError ? h('div', { class: 'error' }, n.lastError) : null),
          h('td', { class: 'num' }, String(n.attempts)),
          h('td', {}, button, status),
        );
      }),
    );
  return h('section', { id: 'notifications', 'aria-labelledby': 'notifications-title' }, h('h2', { id: 'notifications-title' }, 'Messages'), body);
}

function timelineSection(order) {
  return h(
    'section',
    { 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Timeline'),
    h(
      'ol',
      { class: 'timeline', id: 'admin-timeline' },
      [...order.timeline].reverse().map((e) =>
        h(
          'li',
          { dataset: { type: e.type } },
          h('time', { datetime: e.occurredAt }, when(e.occurredAt)),
          e.toStatus ? `${staffStatusText(e.toStatus)}${e.reason ? ` (${e.reason})` : ''}` : `${e.type.replace(/_/g, ' ')}${e.data && e.data.action ? `: ${String(e.data.action).replace(/_/g, ' ')}` : ''}${e.data && e.data.shipmentNo ? ` · parcel ${e.data.shipmentNo}` : ''}`,
          h('div', { class: 'muted actor' }, e.actor),
          e.data && e.data.note ? h('div', {}, `“${e.data.note}”`) : null,
        ),
      ),
    ),
  );
}

function render() {
  const { order, execution } = current;
  replace(
    root,
    h('div', { class: 'actions' }, h('h1', {}, `Order ${order.orderId}`), h('span', { class: `status-pill${BAD.includes(order.status) ? ' bad' : GOOD.includes(order.status) ? ' ok' : ''}`, id: 'admin-order-status' }, staffStatusText(order.status)), h('span', { id: 'order-live', class: 'live', dataset: { state: liveState } }, liveText)),
    h(
      'p',
      {},
      [order.name, order.email, `placed ${when(order.createdAt)}`].filter(Boolean).join(' · '),
      order.attentionReason ? h('span', { class: 'error' }, ` · ${order.attentionReason}`) : null,
      order.cancelReason ? ` · ${order.cancelReason}` : null,
    ),
    h(
      'p',
      { class: 'actions' },
      execution && execution.temporalUiUrl
        ? h('a', { id: 'temporal-link', href: execution.temporalUiUrl, target: '_blank', rel: 'noopener noreferrer' }, `Execution in Temporal UI (${execution.workflowId})`)
        : execution
          ? h('span', { class: 'muted' }, `Workflow ${execution.workflowId} in namespace ${execution.namespace} (no Temporal UI configured)`)
          : null,
    ),
    h('div', { id: 'order-pending', role: 'status' }),
    attentionPanel(order),
    h(
      'div',
      { class: 'layout-2' },
      h('div', {}, linesSection(order), paymentsSection(order), parcelsSection(order), returnsSection(order), notificationsSection(), cancelForm(order)),
      h('div', {}, timelineSection(order)),
    ),
  );
  root.setAttribute('aria-busy', 'false');
}

// ---- loading and live updates -------------------------------------------------------------------------------

async function reload(order) {
  const [fresh, shipments, payments, notifications, execution] = await Promise.allSettled([
    order ? Promise.resolve(order) : adminApi(base),
    adminApi(`${base}/shipments`),
    canAct() ? adminApi(`${base}/payments`) : Promise.resolve(null),
    canAct() ? adminApi(`/api/admin/notifications?orderId=${encodeURIComponent(orderId)}&limit=200`) : Promise.resolve(null),
    current.execution ? Promise.resolve(current.execution) : adminApi(`${base}/execution`),
  ]);
  if (fresh.status === 'rejected') throw fresh.reason;
  current.errors = {};
  const pick = (r, name, map = (v) => v) => {
    if (r.status === 'fulfilled') return map(r.value);
    current.errors[name] = r.reason;
    return null;
  };
  current = {
    ...current,
    order: fresh.value,
    shipments: pick(shipments, 'shipments', (v) => v.shipments),
    payments: pick(payments, 'payments'),
    notifications: pick(notifications, 'notifications', (v) => (v ? v.notifications : null)),
    execution: pick(execution, 'execution'),
  };
  render();
}

let liveText = 'Connecting…';
let liveState = 'connecting';
let pending = false;
let timer;

function showPending() {
  const slot = document.getElementById('order-pending');
  if (!slot || slot.firstChild) return;
  replace(slot, h('p', { class: 'notice' }, 'This order has changed since the page was drawn. ', h('button', { type: 'button', class: 'secondary', onclick: () => refresh(true) }, 'Show the latest')));
}

/** Coalesces a burst of events (a status change comes with its tracking rows) into one reload. */
function refresh(force = false) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (!force && busyEditing()) {
      pending = true;
      showPending();
      return;
    }
    pending = false;
    reload().catch((err) => {
      const slot = document.getElementById('order-pending');
      if (slot) replace(slot, h('p', { class: 'notice bad' }, err.message));
    });
  }, force ? 0 : 400);
}

function follow() {
  window.DyOrderStream.open({
    url: '/api/staff/stream',
    onEvent(event) {
      if (event.orderNumber === orderId) refresh();
    },
    onState(state) {
      liveState = state;
      liveText = state === 'open' ? 'Live' : state === 'closed' ? 'Live updates stopped' : 'Reconnecting…';
      const el = document.getElementById('order-live');
      if (el) {
        el.dataset.state = state;
        el.textContent = liveText;
      }
    },
    onError() {
      liveText = 'Live updates unavailable';
    },
  });
  // Once the note is sent or cleared, catch up with what happened meanwhile.
  root.addEventListener('focusout', () => {
    if (pending) setTimeout(() => pending && !busyEditing() && refresh(), 0);
  });
}

requireSession()
  .then((s) => {
    session = s;
    return reload();
  })
  .then(follow)
  .catch((err) => replace(root, h('p', { class: 'notice bad' }, err.message)));
