// Staff pages: the session (who is signed in, the CSRF token every change must carry) and sign-out.
import { api } from '../lib/api.js';

let session;

/** The signed-in staff member; a page opened without a session goes to the sign-in page. */
export async function requireSession() {
  try {
    session = await api('/api/staff/session');
  } catch {
    location.assign(`/admin/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return new Promise(() => {});
  }
  const who = document.getElementById('staff-who');
  if (who) who.textContent = `${session.staff.name} · ${session.staff.role}`;
  // Links a role cannot use are hidden (admin uses all); the API refuses them anyway.
  for (const link of document.querySelectorAll('.site-nav [data-roles]')) {
    link.hidden = session.staff.role !== 'admin' && !link.dataset.roles.split(' ').includes(session.staff.role);
  }
  return session;
}

/** An admin API call; changes carry the session's CSRF token, which the server checks against the session. */
export function adminApi(path, options = {}) {
  const method = (options.method || 'GET').toUpperCase();
  const headers = { ...(options.headers || {}) };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = session?.csrfToken || '';
  return api(path, { ...options, method, headers });
}

document.getElementById('sign-out')?.addEventListener('click', async () => {
  await adminApi('/api/staff/logout', { method: 'POST' }).catch(() => {});
  location.assign('/admin/login');
});
