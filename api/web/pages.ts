import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../lib/paths';

const WEB = path.join(projectRoot, 'web');

/**
 * Each page in web/pages is only its <main>, headed by one comment of JSON that names its title, its script,
 * its layout and which navigation link is the current page. The layouts in web/layouts hold the rest, so the
 * header, footer and <head> exist once for the store and once for staff.
 */
const pageMetaSchema = z.strictObject({
  title: z.string().min(1),
  script: z.string().regex(/^\/js\/[\w/.-]+\.js$/, 'must be a module under /js/'),
  layout: z.enum(['store', 'staff']),
  nav: z.string().regex(/^[a-z-]+$/).optional(),
  staffNav: z.boolean().default(true),
});

const HEAD = /^<!--page (\{.*\}) -->\n/;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export class PageError extends Error {}

export function renderPage(file: string): string {
  const source = fs.readFileSync(path.join(WEB, 'pages', file), 'utf8');
  const head = HEAD.exec(source);
  if (!head) throw new PageError(`web/pages/${file} must start with <!--page {…} -->`);
  const parsed = pageMetaSchema.safeParse(JSON.parse(head[1]));
  if (!parsed.success) throw new PageError(`web/pages/${file}: ${z.prettifyError(parsed.error)}`);
  const meta = parsed.data;
  const layout = fs.readFileSync(path.join(WEB, 'layouts', `${meta.layout}.html`), 'utf8');
  const staffNav = meta.layout === 'staff' && meta.staffNav ? fs.readFileSync(path.join(WEB, 'layouts', 'staffNav.html'), 'utf8').trimEnd() : '';
  let html = layout
    .replace('{{title}}', escapeHtml(meta.title))
    .replace('{{script}}', escapeHtml(meta.script))
    .replace('{{staffNav}}', staffNav)
    .replace('{{main}}', source.slice(head[0].length).trimEnd());
  if (meta.nav) html = html.replace(`data-nav="${meta.nav}"`, `data-nav="${meta.nav}" aria-current="page"`);
  return html;
}

/** Production renders each page once; dev reads the files on every request so an edit shows on reload. */
export function pageRenderer(cache: boolean): (file: string) => string {
  const rendered = new Map<string, string>();
  return (file) => {
    if (!cache) return renderPage(file);
    let html = rendered.get(file);
    if (html === undefined) {
      html = renderPage(file);
      rendered.set(file, html);
    }
    return html;
  };
}
