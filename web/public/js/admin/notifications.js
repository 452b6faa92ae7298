// Notifications monitor: the newest messages with their outcome, failures marked, resend (with the CSRF token).
// Live by polling (see poller.js): rows are updated in place by id, so a row being read or a focused button
// is not redrawn under the reader unless that message changed.
import { h, replace, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';
import { pollText, startPolling } from './poller.js';

const LIMIT = 50;
const RESENDABLE = ['failed', 'bounced'];
const form = document.getElementById('feed-filters');
const feed = document.getElementById('feed');
const notice = document.getElementById('feed-notice');
const summary = document.getElementById('feed-summary');
const live = document.getElementById('feed-live');

const rows = new Map(); // id → { tr, signature }
let tbody;
let filterKey = '';
let firstLoad = true;
let poller;

function query() {
  const params = new URLSearchParams({ limit: String(LIMIT) });
  const status = form.elements.status.value;
  const orderId = form.elements.orderId.value.trim();
  if (status) params.set('status', status);
  if (orderId) params.set('orderId', orderId);
  return params.toString();
}

async function resend(n, button, out) {
  button.disabled = true;
  out.textContent = 'Resending…';
  try {
    const res = await adminApi(`/api/admin/notifications/${encodeURIComponent(n.id)}/resend`, { method: 'POST' });
    out.textContent = res.notification.status === 'sent' ? 'Resent' : `Still ${res.notification.status}`;
    // Keep the answer on screen: the row is redrawn with the new status on the next poll.
    summary.textContent = `Message ${n.id} (${n.template.replace(/_/g, ' ')} to ${n.recipient}): ${res.notification.status}.`;
  } catch (err) {
    out.textContent = err.message;
    button.disabled = false;
  }
  poller?.now();
}

function rowOf(n, fresh) {
  const failed = n.status === 'failed' || n.status === 'bounced';
  const out = h('span', { class: 'resend-result', role: 'status' });
  const button = RESENDABLE.includes(n.status)
    ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Resend message ${n.id}: ${n.template.replace(/_/g, ' ')} by ${n.channel} to ${n.recipient}`, onclick: (e) => resend(n, e.currentTarget, out) }, 'Resend')
    : null;
  return h(
    'tr',
    { class: [failed ? 'failed' : '', fresh ? 'fresh' : ''].filter(Boolean).join(' ') || undefined, dataset: { notificationId: String(n.id), status: n.status } },
    h('td', {}, h('time', { datetime: n.createdAt }, when(n.createdAt)), h('div', { class: 'muted' }, `#${n.id}`)),
    h('td', {}, n.orderId ? h('a', { href: `/admin/orders/${encodeURIComponent(n.orderId)}` }, n.orderId) : h('span', { class: 'muted' }, '—')),
    h('td', {}, n.template.replace(/_/g, ' '), h('div', { class: 'muted' }, `${n.channel} · ${n.audience}`)),
    h('td', { class: 'recipient' }, n.recipient),
    h('td', {}, h('span', { class: `status-pill${failed ? ' bad' : n.status === 'sent' ? ' ok' : ''}` }, n.status), n.lastError ? h('div', { class: 'error' }, n.lastError) : null, n.sentAt ? h('div', { class: 'muted' }, `sent ${when(n.sentAt)}`) : null),
    h('td', { class: 'num' }, String(n.attempts)),
    h('td', {}, button, out),
  );
}

function show(list) {
  const key = query();
  if (key !== filterKey || !tbody) {
    filterKey = key;
    rows.clear();
    tbody = h('tbody', {});
    replace(feed, h('div', { class: 'table-wrap' }, h('table', { id: 'feed-table' }, h('caption', { class: 'visually-hidden' }, 'Messages, newest first'), h('thead', {}, h('tr', {}, ['When', 'Order', 'Message', 'To', 'Status', 'Attempts', ''].map((t) => h('th', { scope: 'col', class: t === 'Attempts' ? 'num' : undefined }, t)))), tbody)));
    firstLoad = true;
  }
  const wanted = new Set(list.map((n) => n.id));
  for (const [id, row] of rows) {
    if (!wanted.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  let arrived = 0;
  list.forEach((n, i) => {
    const signature = `${n.status}|${n.attempts}|${n.lastError ?? ''}|${n.sentAt ?? ''}`;
    let row = rows.get(n.id);
    if (!row) {
      row = { tr: rowOf(n, !firstLoad), signature };
      rows.set(n.id, row);
      if (!firstLoad) arrived += 1;
    } else if (row.signature !== signature) {
      const hadFocus = row.tr.contains(document.activeElement);
      const tr = rowOf(n, false);
      row.tr.replaceWith(tr);
      row.tr = tr;
      row.signature = signature;
      // Focus was on this row's button, which may be gone now: leave it on the row's status.
      if (hadFocus) {
        const target = tr.querySelector('button') || tr.querySelector('.resend-result');
        target.setAttribute('tabindex', '-1');
        target.focus();
      }
    }
    if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] || null);
  });
  if (list.length === 0) replace(feed, h('p', { class: 'muted', id: 'feed-empty' }, 'No messages match.'));
  if (list.length === 0) tbody = undefined;
  const failed = list.filter((n) => n.status === 'failed' || n.status === 'bounced').length;
  const counts = `${list.length} message${list.length === 1 ? '' : 's'} shown${list.length === LIMIT ? ` (the newest ${LIMIT})` : ''} · ${failed} failed`;
  summary.textContent = arrived ? `${counts} · ${arrived} new since the last look` : counts;
  summary.classList.toggle('error', failed > 0);
  feed.setAttribute('aria-busy', 'false');
  firstLoad = false;
}

async function tick() {
  try {
    const data = await adminApi(`/api/admin/notifications?${query()}`);
    replace(notice);
    show(data.notifications);
  } catch (err) {
    // A refusal is not fixed by asking again: a wrong filter is shown, a missing role stops the feed.
    if (err.status === 400) {
      replace(notice, h('p', { class: 'notice bad' }, err.fields.map((f) => `${f.field}: ${f.message}`).join('; ') || err.message));
      return;
    }
    if (err.status === 401 || err.status === 403) {
      replace(notice, h('p', { class: 'notice bad' }, err.message));
      poller?.stop();
      if (err.status === 401) location.assign(`/admin/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    replace(notice, h('p', { class: 'notice warn' }, `The list could not be refreshed: ${err.message}`));
    throw err;
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  poller?.now();
});
form.addEventListener('reset', () => setTimeout(() => poller?.now(), 0));

requireSession().then(() => {
  poller = startPolling(tick, {
    everyMs: 5000,
    onState(state, info) {
      live.dataset.state = state === 'live' ? 'open' : state;
      live.textContent = pollText(state, info);
    },
  });
});
