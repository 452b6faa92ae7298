import fs from 'node:fs';
import path from 'node:path';
import { renderPage } from '../api/web/pages';
import { projectRoot } from '../lib/paths';

const pages = (dir: string): string[] =>
  fs.readdirSync(path.join(projectRoot, 'web', 'pages', dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? pages(path.join(dir, e.name)) : [path.join(dir, e.name)]));

test('every page renders inside its layout: one <head>, its own title and script, its own link marked current', () => {
  const all = pages('');
  expect(all.length).toBeGreaterThanOrEqual(8);
  for (const file of all) {
    const html = renderPage(file);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<main id="main">/g)).toHaveLength(1);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
    expect(html.match(/aria-current="page"/g)?.length ?? 0).toBeLessThanOrEqual(1);
  }
  expect(renderPage('cart.html')).toContain('<a href="/cart" data-nav="cart" aria-current="page"');
  expect(renderPage('cart.html')).toContain('<title>Your bag · DY Official</title>');
  expect(renderPage('admin/index.html')).toContain('id="sign-out"');
  expect(renderPage('admin/login.html')).not.toContain('id="sign-out"');
});
