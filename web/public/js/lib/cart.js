// The bag lives in this browser only (localStorage): SKUs and quantities; prices always come from the API.

const KEY = 'dy-cart';
const MAX_PER_LINE = 20;

export function lines() {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(parsed) ? parsed.filter((l) => l && typeof l.sku === 'string' && Number.isInteger(l.quantity) && l.quantity > 0) : [];
  } catch {
    return [];
  }
}

function save(next) {
  localStorage.setItem(KEY, JSON.stringify(next));
  window.dispatchEvent(new CustomEvent('cart-changed'));
}

export function add(sku, quantity = 1) {
  const next = lines();
  const line = next.find((l) => l.sku === sku);
  if (line) line.quantity = Math.min(MAX_PER_LINE, line.quantity + quantity);
  else next.push({ sku, quantity: Math.min(MAX_PER_LINE, quantity) });
  save(next);
}

export function setQuantity(sku, quantity) {
  save(lines().map((l) => (l.sku === sku ? { ...l, quantity: Math.max(1, Math.min(MAX_PER_LINE, quantity)) } : l)));
}

export function remove(sku) {
  save(lines().filter((l) => l.sku !== sku));
}

export function clear() {
  save([]);
}

export const count = () => lines().reduce((n, l) => n + l.quantity, 0);

// Another tab changed the bag: tell this page too.
window.addEventListener('storage', (e) => {
  if (e.key === KEY) window.dispatchEvent(new CustomEvent('cart-changed'));
});
