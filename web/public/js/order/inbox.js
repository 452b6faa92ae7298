// This order's in-app messages, newest first, read with the order's cookie (messages of other orders need a
// verified e-mail: /api/customer/inbox).
import { api, h, replace, when } from '../lib/api.js';

export function createInbox({ orderId, openKeys }) {
  const count = h('span', { class: 'badge', id: 'inbox-unread', hidden: true });
  const status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'inbox', id: 'inbox-list' });
  const markRead = h('button', { type: 'button', class: 'secondary', id: 'inbox-mark-read', hidden: true }, 'Mark all as read');
  const section = h('section', { id: 'inbox', 'aria-labelledby': 'inbox-title' }, h('h2', { id: 'inbox-title' }, 'Messages ', count), status, list, markRead);
  const headers = {};
  let messages = [];
  let newest = 0;
  let loaded = false;

  markRead.addEventListener('click', async () => {
    markRead.disabled = true;
    try {
      await api(`/api/orders/${encodeURIComponent(orderId)}/inbox/read`, { method: 'POST', body: { upToId: newest }, headers });
      await refresh();
    } catch {
      // Still unread: the button stays for another try.
    } finally {
      markRead.disabled = false;
    }
  });

  function item(m) {
    const key = `message-${m.id}`;
    const unread = !m.readAt;
    const other = m.orderId && m.orderId !== orderId;
    // Several messages share a subject ("An update on your return…"): the body's heading tells them apart.
    const preview = (m.body || '').split('\n').map((l) => l.trim()).find(Boolean);
    const details = h(
      'details',
      { open: openKeys.has(key) },
      h(
        'summary',
        {},
        h('span', { class: 'message-title' }, m.title),
        unread ? h('span', { class: 'badge new' }, 'New') : null,
        preview && preview !== m.title ? h('span', { class: 'message-preview' }, preview) : null,
        h('time', { datetime: m.createdAt }, when(m.createdAt)),
      ),
      h('p', { class: 'message-body' }, m.body),
      other && m.link ? h('p', {}, h('a', { href: m.link }, `Open order ${m.orderId}`)) : null,
    );
    details.addEventListener('toggle', () => (details.open ? openKeys.add(key) : openKeys.delete(key)));
    return h('li', { class: 'message', dataset: { id: String(m.id), unread: unread ? 'true' : 'false', orderId: m.orderId || '' } }, details);
  }

  function render(unreadCount) {
    replace(list, messages.length ? messages.map(item) : h('li', { class: 'muted' }, 'No messages yet. Updates about your order appear here as well as in your e-mail.'));
    count.hidden = unreadCount === 0;
    count.textContent = `${unreadCount} new`;
    markRead.hidden = unreadCount === 0;
  }

  /** Messages are written just after the order event they announce: the page calls this again a moment later. */
  async function refresh() {
    const answer = await api(`/api/orders/${encodeURIComponent(orderId)}/inbox`, { headers });
    const before = newest;
    messages = answer.notifications;
    newest = messages.reduce((max, m) => Math.max(max, m.id), 0);
    render(answer.unreadCount ?? messages.filter((m) => !m.readAt).length);
    if (loaded && newest > before) {
      const fresh = messages.filter((m) => m.id > before);
      status.textContent = fresh.length === 1 ? `New message: ${fresh[0].title}` : `${fresh.length} new messages`;
    }
    loaded = true;
  }

  return { node: section, refresh };
}
