import { adminOrderUrl, escapeHtml } from '../notifications/templates/format';
import type { AlertPhase, AlertSeverity } from '../../domain/alerts/types';

/** What a message needs to know about an alert; rows and unrecorded alerts both fit this shape. */
export interface AlertMessageSource {
  key: string;
  rule: string;
  severity: AlertSeverity;
  summary: string;
  details: Record<string, unknown>;
  firstFiredAt: Date;
  lastSeenAt: Date;
  resolvedAt?: Date | null;
}

export interface RenderedAlert {
  subject: string;
  text: string;
  html: string;
  link: string;
  orderNumber?: string;
}

const when = (d: Date): string => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/London' }).format(d);

function detailValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.map(String).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Admin alerts are their own short format rather than an order template: most have no order, and the
 * subject must say at a glance whether something broke or recovered.
 */
export function renderAlert(a: AlertMessageSource, phase: AlertPhase, publicBaseUrl: string): RenderedAlert {
  const orderNumber = typeof a.details.orderNumber === 'string' ? a.details.orderNumber : undefined;
  const base = publicBaseUrl.replace(/\/+$/, '');
  const link = orderNumber ? adminOrderUrl(publicBaseUrl, orderNumber) : `${base}/api/admin/alerts?status=${phase === 'fired' ? 'firing' : 'resolved'}`;
  const subject = phase === 'fired' ? `[Alert ${a.severity}] ${a.summary}` : `[Resolved] ${a.summary}`;
  const facts: Array<[string, string]> = [
    ['Alert', a.key],
    ['Rule', a.rule],
    ['Severity', a.severity],
    ['Firing since', when(a.firstFiredAt)],
    ...(phase === 'resolved' && a.resolvedAt ? ([['Resolved at', when(a.resolvedAt)]] as Array<[string, string]>) : []),
    ...Object.entries(a.details).map(([k, v]) => [k, detailValue(v)] as [string, string]),
  ];
  const lead = phase === 'fired' ? a.summary : `Cleared: ${a.summary}. Nothing more to do unless it comes back.`;
  const text = [lead, '', ...facts.map(([k, v]) => `${k}: ${v}`), '', link].join('\n');
  const rows = facts.map(([k, v]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif"><p><strong>${escapeHtml(lead)}</strong></p><table>${rows}</table><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p></body></html>`;
  return { subject, text, html, link, orderNumber };
}
