// System: health of PostgreSQL, Redis, Temporal and the workers (with latency), orders per status, and what
// failed lately (messages, Stripe webhooks, alerts). Live by polling with backoff (see poller.js).
import { h, replace, when } from '../lib/api.js';
import { adminApi, requireSession } from './common.js';
import { pollText, startPolling } from './poller.js';
import { staffStatusText } from './status.js';

const el = (id) => document.getElementById(id);
const DEPENDENCIES = [
  ['database', 'PostgreSQL', 'orders, stock and the event log'],
  ['redis', 'Redis', 'staff sessions and live updates; without it the store is degraded, not down'],
  ['temporal', 'Temporal', 'runs every order'],
  ['workers', 'Workers', 'polling the orders task queue'],
];
const RECENT = 10;
let poller;

const table = (caption, heads, rows) =>
  h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col', class: t === 'Orders' || t === 'Attempts' ? 'num' : undefined }, t)))), h('tbody', {}, rows)));
const done = (node, ...children) => {
  replace(node, ...children);
  node.setAttribute('aria-busy', 'false');
};
const failedToLoad = (what, err) => h('p', { class: 'notice warn' }, `${what} could not be loaded: ${err.message}`);

function showHealth(health) {
  const overall = el('health-overall');
  overall.textContent = health.status;
  overall.className = `status-pill${health.status === 'ok' ? ' ok' : health.status === 'down' ? ' bad' : ''}`;
  el('health-summary').textContent = `${health.canTakeOrders ? 'Orders can be taken' : `Orders cannot be taken: ${health.down.join(', ')} down`}${health.degraded.length ? ` · degraded: ${health.degraded.join(', ')}` : ''} · checked ${when(health.checkedAt)}`;
  done(
    el('health'),
    DEPENDENCIES.map(([key, name, role]) => {
      const d = health.dependencies[key];
      return h(
        'article',
        { class: `panel health-card ${d.status}`, dataset: { dependency: key } },
        h('h3', {}, name, ' ', h('span', { class: `status-pill${d.status === 'up' ? ' ok' : ' bad'}` }, d.status)),
        h('p', {}, h('strong', {}, `${d.latencyMs} ms`), ' to answer'),
        d.detail && d.detail.pollers !== undefined ? h('p', {}, `${d.detail.pollers} poller${d.detail.pollers === 1 ? '' : 's'} on ${d.detail.taskQueue}`) : null,
        d.error ? h('p', { class: 'error' }, d.error) : null,
        h('p', { class: 'muted' }, role),
      );
    }),
  );
}

function showCounts(data) {
  // Every status the orders can be in is counted; the ones with no order are left out, except the one that
  // needs people, whose zero is news too.
  const shown = data.counts.filter((c) => c.count > 0 || c.status === 'NEEDS_ATTENTION');
  done(
    el('order-counts'),
    table(
      'Orders by status',
      ['Status', 'Orders'],
      [
        ...shown.map((c) => h('tr', { dataset: { status: c.status }, class: c.status === 'NEEDS_ATTENTION' && c.count > 0 ? 'failed' : undefined }, h('td', {}, staffStatusText(c.status), h('div', { class: 'muted' }, c.status)), h('td', { class: 'num' }, String(c.count)))),
        h('tr', { class: 'total-row' }, h('th', { scope: 'row' }, 'All orders'), h('td', { class: 'num' }, String(data.total))),
      ],
    ),
  );
}

function showFailedNotifications(list) {
  done(
    el('failed-notifications'),
    list.length === 0
      ? h('p', { class: 'muted' }, 'None.')
      : [
          table('Messages that failed, newest first', ['When', 'Message', 'Last error'], list.map((n) => h('tr', { class: 'failed' }, h('td', {}, when(n.createdAt)), h('td', {}, n.orderId ? h('a', { href: `/admin/orders/${encodeURIComponent(n.orderId)}` }, n.orderId) : null, h('div', {}, `${n.template.replace(/_/g, ' ')} · ${n.channel}`)), h('td', { class: 'error' }, n.lastError || '—')))),
          h('p', {}, h('a', { href: '/admin/notifications' }, 'All messages, with resend')),
        ],
  );
}

function showFailedWebhooks(events) {
  const recent = events.slice(0, RECENT);
  done(
    el('failed-webhooks'),
    recent.length === 0
      ? h('p', { class: 'muted' }, 'None.')
      : [
          table('Stripe webhook events that failed, newest first', ['Received', 'Event', 'Attempts', 'Last error'], recent.map((e) => h('tr', { class: 'failed' }, h('td', {}, when(e.received_at)), h('td', {}, e.type, h('div', { class: 'muted' }, e.event_id), e.order_number ? h('a', { href: `/admin/orders/${encodeURIComponent(e.order_number)}` }, e.order_number) : null), h('td', { class: 'num' }, String(e.attempts)), h('td', { class: 'error' }, e.last_error || '—')))),
          events.length > recent.length ? h('p', { class: 'muted' }, `and ${events.length - recent.length} more`) : null,
        ],
  );
}

function showAlerts(alerts) {
  done(
    el('alerts'),
    alerts.length === 0
      ? h('p', { class: 'muted' }, 'No alerts have fired.')
      : table('Alerts, firing first', ['Alert', 'Status', 'Since'], alerts.map((a) => h('tr', { class: a.status === 'firing' ? 'failed' : undefined }, h('td', {}, a.summary, h('div', { class: 'muted' }, `${a.rule} · ${a.severity}`)), h('td', {}, h('span', { class: `status-pill${a.status === 'firing' ? ' bad' : ' ok'}` }, a.status)), h('td', {}, when(a.firstFiredAt), a.resolvedAt ? h('div', { class: 'muted' }, `resolved ${when(a.resolvedAt)}`) : null)))),
  );
}

/** /api/admin/system/health answers 503 with the same report when orders cannot be taken: that is news, not an error. */
async function health() {
  try {
    return await adminApi('/api/admin/system/health');
  } catch (err) {
    if (err.status === 503 && err.body && err.body.dependencies) return err.body;
    throw err;
  }
}

async function tick() {
  const parts = await Promise.allSettled([
    health(),
    adminApi('/api/admin/system/orders-by-status'),
    adminApi(`/api/admin/notifications?status=failed&limit=${RECENT}`),
    adminApi('/api/admin/webhooks?status=failed'),
    adminApi(`/api/admin/alerts?limit=${RECENT}`),
  ]);
  const refused = parts.find((p) => p.status === 'rejected' && (p.reason.status === 401 || p.reason.status === 403));
  if (refused) {
    replace(el('system-notice'), h('p', { class: 'notice bad' }, refused.reason.message));
    poller?.stop();
    if (refused.reason.status === 401) location.assign(`/admin/login?next=${encodeURIComponent(location.pathname)}`);
    return;
  }
  const [healthPart, counts, notifications, webhooks, alerts] = parts;
  const show = (part, what, target, fn) => (part.status === 'fulfilled' ? fn(part.value) : done(el(target), failedToLoad(what, part.reason)));
  if (healthPart.status === 'fulfilled') showHealth(healthPart.value);
  else done(el('health'), failedToLoad('Health', healthPart.reason));
  show(counts, 'Order counts', 'order-counts', showCounts);
  show(notifications, 'Failed messages', 'failed-notifications', (v) => showFailedNotifications(v.notifications));
  show(webhooks, 'Failed webhooks', 'failed-webhooks', (v) => showFailedWebhooks(v.events));
  show(alerts, 'Alerts', 'alerts', (v) => showAlerts(v.alerts));
  const failed = parts.filter((p) => p.status === 'rejected');
  if (failed.length === parts.length) throw failed[0].reason;
  replace(el('system-notice'));
  // Part of the page is stale: back off as for a failed poll, the rest stays on screen.
  if (failed.length) throw failed[0].reason;
}

requireSession().then(() => {
  poller = startPolling(tick, {
    everyMs: 5000,
    onState(state, info) {
      const live = el('system-live');
      live.dataset.state = state === 'live' ? 'open' : state;
      live.textContent = pollText(state, info);
    },
  });
});
