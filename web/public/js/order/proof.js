// Changing an order (cancel, returns) needs a recent proof: a one-time link opened in the last half hour, or the
// order's e-mail address typed again. This is the field for the second, shown when the page's access needs it.
import { h } from '../lib/api.js';

export function createProofField({ id, emailNeeded }) {
  const input = h('input', { type: 'email', id, name: 'email', autocomplete: 'email', inputmode: 'email', maxlength: 254, 'aria-describedby': `${id}-hint` });
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const node = h(
    'div',
    { class: 'field proof', hidden: !emailNeeded() },
    h('label', { for: id }, 'Your e-mail address'),
    input,
    h('p', { class: 'hint', id: `${id}-hint` }, 'The one you ordered with: we ask before changing your order.'),
    error,
  );
  let forced = false;
  return {
    node,
    /** Re-evaluated on each render: a page opened from a one-time link needs no e-mail. */
    update() {
      node.hidden = !(forced || emailNeeded());
    },
    needed: () => forced || emailNeeded(),
    value: () => input.value.trim(),
    show(message) {
      forced = true;
      node.hidden = false;
      error.hidden = !message;
      error.textContent = message || '';
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
      input.focus();
    },
  };
}
