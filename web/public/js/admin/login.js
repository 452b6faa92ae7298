// Staff sign-in: e-mail and password, then back to the page that sent us here.
import { api, ApiError, h, replace, showFieldErrors } from '../lib/api.js';

const form = document.getElementById('login-form');
const notice = document.getElementById('login-notice');

/** Only our own staff pages: a crafted ?next= must not send a freshly signed-in person elsewhere. */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next') || '/admin';
  return /^\/admin(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/admin';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  replace(notice);
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    await api('/api/staff/login', { method: 'POST', body: { email: form.elements.email.value.trim(), password: form.elements.password.value } });
    location.assign(nextPage());
    return;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'VALIDATION_FAILED') showFieldErrors(form, err.fields);
    else replace(notice, h('p', { class: 'notice bad' }, err.message));
    form.elements.password.value = '';
  }
  button.disabled = false;
});
