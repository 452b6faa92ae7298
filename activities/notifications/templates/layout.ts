import { lowerFirst } from './common';
import { escapeHtml, formatPence } from './format';
import type { Block, MessageParts, TemplateData, TemplateLine } from './types';
import type { OrderTotals } from '../../../workflows/orders/definitions';

/**
 * The one place text becomes HTML. Email clients (Outlook's Word engine, Gmail's style stripping) only render
 * tables and inline styles reliably, hence the old-fashioned markup.
 */

const FONT = "font-family:Helvetica,Arial,sans-serif;";
const INK = '#111111';
const MUTED = '#6b6b6b';
const RULE = '#e6e6e3';
const STORE_LINE = 'DY Official · London, United Kingdom';

export type Audience = 'customer' | 'admin';

/**
 * The greeting's name, the one piece of a checkout's text that reaches the inbox of whatever address was
 * typed before anyone paid. Only a name-like word is used (letters, apostrophes, hyphens): a "name" such as
 * `evil.example/reset` or `Click:` would turn our e-mail into the caller's message, so it gets "Hello,".
 */
export function firstName(name: string | undefined): string | undefined {
  const first = name?.trim().split(/\s+/)[0];
  if (!first) return undefined;
  const chars = [...first];
  const word = chars.length > 40 ? chars.slice(0, 40).join('') : first;
  return /^[\p{L}\p{M}'’-]+$/u.test(word) ? word : undefined;
}

/** Customer messages always end with the order number and the order page: the invariant lives here, not in each template. */
function framedBlocks(parts: MessageParts, audience: Audience, data: TemplateData, link: string): { greeting?: string; blocks: Block[] } {
  if (audience === 'admin') return { blocks: [...parts.blocks, { kind: 'link', label: `Open ${data.orderNumber}`, url: link }] };
  const name = firstName(data.customerName);
  return {
    greeting: name ? `Hi ${name},` : 'Hello,',
    blocks: [...parts.blocks, { kind: 'link', label: `View order ${data.orderNumber}`, url: link }],
  };
}

// ---------------------------------------------------------------------------------------------- plain text

export function renderText(parts: MessageParts, audience: Audience, data: TemplateData, link: string): string {
  const { greeting, blocks } = framedBlocks(parts, audience, data, link);
  const out: string[] = [];
  out.push(parts.heading);
  if (greeting) out.push(greeting);
  for (const b of blocks) out.push(blockText(b));
  out.push(
    audience === 'customer'
      ? `--\n${STORE_LINE}\nQuestions about your order? Reply to this email and we will help.`
      : `--\nSent by DY Orders to the DY Official team.`,
  );
  return `${out.join('\n\n')}\n`;
}

function blockText(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'button':
    case 'link':
      return `${b.label}: ${b.url}`;
    case 'facts':
      return b.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
    case 'order':
      return orderText(b.lines, b.totals);
  }
}

/** "Size M", but "One size" rather than "Size One size". */
function sizeLabel(size: string): string {
  return /size/i.test(size) ? size : `Size ${size}`;
}

function lineLabel(l: TemplateLine): string {
  return `${l.productName}, ${lowerFirst(sizeLabel(l.size))} × ${l.quantity}`;
}

function orderText(lines: TemplateLine[], totals?: OrderTotals): string {
  const rows = lines.map((l) => `${lineLabel(l)}  ${formatPence(l.lineTotalPence)}`);
  if (totals) {
    rows.push('');
    rows.push(`Subtotal: ${formatPence(totals.subtotalPence)}`);
    rows.push(`Delivery: ${totals.shippingPence === 0 ? 'Free' : formatPence(totals.shippingPence)}`);
    rows.push(`Total: ${formatPence(totals.totalPence)} (includes ${formatPence(totals.vatPence)} VAT)`);
  }
  return rows.join('\n');
}

// ---------------------------------------------------------------------------------------------- HTML

export function renderHtml(parts: MessageParts, audience: Audience, data: TemplateData, link: string): string {
  const { greeting, blocks } = framedBlocks(parts, audience, data, link);
  const home = escapeHtml(data.publicBaseUrl);
  const body = [
    `<h1 style="margin:0 0 16px 0;${FONT}font-size:22px;line-height:28px;font-weight:bold;color:${INK};">${escapeHtml(parts.heading)}</h1>`,
    greeting ? paragraph(greeting) : '',
    ...blocks.map(blockHtml),
  ].join('\n');
  const footer =
    audience === 'customer'
      ? `${escapeHtml(STORE_LINE)}<br>Questions about your order? Reply to this email and we will help.`
      : 'Sent by DY Orders to the DY Official team.';
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<title>${escapeHtml(parts.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f2;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(parts.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f2;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid ${RULE};">
<tr><td style="background-color:${INK};padding:20px 32px;">
<a href="${home}" style="${FONT}font-size:22px;line-height:26px;font-weight:bold;letter-spacing:6px;color:#ffffff;text-decoration:none;">DY OFFICIAL</a>
</td></tr>
<tr><td style="padding:32px;${FONT}font-size:15px;line-height:22px;color:${INK};">
${body}
</td></tr>
<tr><td style="padding:20px 32px;border-top:1px solid ${RULE};${FONT}font-size:12px;line-height:18px;color:${MUTED};">
${footer}
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

function paragraph(text: string): string {
  // Line breaks in the source text (addresses, multi-line details) survive as <br>.
  return `<p style="margin:0 0 16px 0;${FONT}font-size:15px;line-height:22px;color:${INK};">${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
}

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return paragraph(b.text);
    case 'button':
      // A padded cell with a background: the "bulletproof" button every client draws, Outlook included.
      return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;"><tr><td bgcolor="${INK}" style="background-color:${INK};border-radius:4px;">
<a href="${escapeHtml(b.url)}" style="display:inline-block;padding:12px 24px;${FONT}font-size:15px;line-height:20px;font-weight:bold;color:#ffffff;text-decoration:none;">${escapeHtml(b.label)}</a>
</td></tr></table>`;
    case 'link':
      return `<p style="margin:0 0 16px 0;${FONT}font-size:14px;line-height:20px;"><a href="${escapeHtml(b.url)}" style="color:${INK};text-decoration:underline;">${escapeHtml(b.label)}</a></p>`;
    case 'facts':
      return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px 0;">
${b.rows
  .map(
    ([label, value]) =>
      `<tr><td valign="top" style="padding:4px 12px 4px 0;width:40%;${FONT}font-size:14px;line-height:20px;color:${MUTED};">${escapeHtml(label)}</td><td valign="top" style="padding:4px 0;${FONT}font-size:14px;line-height:20px;color:${INK};">${escapeHtml(value).replace(/\n/g, '<br>')}</td></tr>`,
  )
  .join('\n')}
</table>`;
    case 'order':
      return orderHtml(b.lines, b.totals);
  }
}

function orderHtml(lines: TemplateLine[], totals?: OrderTotals): string {
  const text = `${FONT}font-size:14px;line-height:20px;`;
  const cell = `${text}color:${INK};`;
  const rows = lines.map(
    (l) => `<tr>
<td valign="top" style="padding:10px 12px 10px 0;border-bottom:1px solid ${RULE};${cell}"><strong>${escapeHtml(l.productName)}</strong><br><span style="color:${MUTED};">${escapeHtml(sizeLabel(l.size))} · Qty ${l.quantity}</span></td>
<td valign="top" align="right" style="padding:10px 0;border-bottom:1px solid ${RULE};white-space:nowrap;${cell}">${formatPence(l.lineTotalPence)}</td>
</tr>`,
  );
  if (totals) {
    const row = (label: string, value: string, strong = false) =>
      `<tr><td style="padding:6px 12px 0 0;${text}${strong ? `color:${INK};font-weight:bold;` : `color:${MUTED};`}">${label}</td><td align="right" style="padding:6px 0 0 0;white-space:nowrap;${cell}${strong ? 'font-weight:bold;' : ''}">${value}</td></tr>`;
    rows.push(row('Subtotal', formatPence(totals.subtotalPence)));
    rows.push(row('Delivery', totals.shippingPence === 0 ? 'Free' : formatPence(totals.shippingPence)));
    rows.push(row('Total', formatPence(totals.totalPence), true));
    rows.push(`<tr><td colspan="2" align="right" style="padding:2px 0 0 0;${FONT}font-size:12px;line-height:18px;color:${MUTED};">includes ${formatPence(totals.vatPence)} VAT</td></tr>`);
  }
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px 0;border-top:1px solid ${RULE};">
${rows.join('\n')}
</table>`;
}
