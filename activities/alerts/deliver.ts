import { ApplicationFailure } from '@temporalio/activity';
import type Redis from 'ioredis';
import type { Db } from '../../db/connection';
import type { Config } from '../../lib/config';
import { logger } from '../../lib/logger';
import { ChannelRejectedError, ChannelUnavailableError } from '../notifications/channels/channel';
import type { Channels } from '../notifications/channels/channels';
import { type AlertMessageSource, type RenderedAlert, renderAlert } from './render';
import type { AlertDelivery, AlertDeliveryResult, AlertFinding, AlertPhase, ChannelOutcome } from '../../domain/alerts/types';

/**
 * Alerts go out on the admins' channels: Slack (when configured), e-mail to ADMIN_EMAIL, and a Redis
 * publish on ALERTS_CHANNEL for live consumers (the admin stream can subscribe to it). The Redis message is
 * JSON: { id, key, rule, severity, phase: "fired" | "resolved", episode, summary, details, firstFiredAt,
 * lastSeenAt, resolvedAt, recorded, at }; (id, episode, phase) identifies an announcement, so a consumer can
 * drop a repeat. It is live only: GET /api/admin/alerts is the record.
 */
export const ALERTS_CHANNEL = 'dy:alerts';

export interface AlertDeps {
  db: Db;
  redis?: Redis;
  config: Config;
  channels: Channels;
}

type AlertChannelName = 'slack' | 'email' | 'redis';

interface AlertRow {
  id: number;
  key: string;
  rule: string;
  severity: 'critical' | 'warning';
  status: 'firing' | 'resolved';
  summary: string;
  details: Record<string, unknown>;
  episode: number;
  first_fired_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
  notified_at: Date | null;
  resolved_notified_at: Date | null;
  deliveries: Partial<Record<AlertPhase, { owner: string; channels: Record<string, ChannelOutcome> }>>;
}

/** Everything one announcement needs, whether or not it has a row behind it. */
interface Announcement {
  source: AlertMessageSource;
  phase: AlertPhase;
  /** Stable for this announcement: the e-mail's Message-ID and the Redis message carry it. */
  identity: string;
  redisMessage: Record<string, unknown>;
}

const claimColumn = (phase: AlertPhase) => (phase === 'fired' ? 'notified_at' : 'resolved_notified_at');

function channelsFor(deps: AlertDeps): AlertChannelName[] {
  return [...(deps.channels.slack ? (['slack'] as const) : []), 'email', 'redis'];
}

/** Slack and e-mail throw what the notification channels throw; Redis is best effort and never throws. */
async function sendOn(deps: AlertDeps, channel: AlertChannelName, a: Announcement, rendered: RenderedAlert): Promise<ChannelOutcome> {
  const at = () => new Date().toISOString();
  const message = {
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    // The same id on every attempt of this announcement: a mailbox can tell a repeat from a new alert.
    messageId: `<${a.identity}@dyofficial.co.uk>`,
    idempotencyKey: a.identity,
    link: rendered.link,
    orderNumber: rendered.orderNumber,
    dedupeKey: a.identity,
  };
  if (channel === 'redis') {
    if (!deps.redis || deps.redis.status !== 'ready') return { status: 'skipped', at: at(), reason: 'redis unavailable' };
    try {
      await deps.redis.publish(ALERTS_CHANNEL, JSON.stringify({ ...a.redisMessage, at: at() }));
      return { status: 'sent', at: at() };
    } catch (err) {
      return { status: 'skipped', at: at(), reason: (err as Error).message.slice(0, 500) };
    }
  }
  const target = deps.channels[channel];
  if (!target) return { status: 'skipped', at: at(), reason: `${channel} is not configured` };
  const result = await target.send({ ...message, to: channel === 'slack' ? 'slack' : deps.config.ADMIN_EMAIL });
  return { status: 'sent', at: at(), ...(result.providerId ? { providerId: result.providerId } : {}) };
}

function announcementOf(row: AlertRow, phase: AlertPhase): Announcement {
  return {
    phase,
    identity: `alert-${row.id}-${row.episode}-${phase}`,
    source: { key: row.key, rule: row.rule, severity: row.severity, summary: row.summary, details: row.details, firstFiredAt: new Date(row.first_fired_at), lastSeenAt: new Date(row.last_seen_at), resolvedAt: row.resolved_at ? new Date(row.resolved_at) : null },
    redisMessage: {
      id: row.id,
      key: row.key,
      rule: row.rule,
      severity: row.severity,
      phase,
      episode: row.episode,
      summary: row.summary,
      details: row.details,
      firstFiredAt: new Date(row.first_fired_at).toISOString(),
      lastSeenAt: new Date(row.last_seen_at).toISOString(),
      resolvedAt: row.resolved_at ? new Date(row.resolved_at).toISOString() : null,
      recorded: true,
    },
  };
}

type Claim = { kind: 'claimed'; row: AlertRow } | { kind: 'claimed_elsewhere' } | { kind: 'stale' };

/**
 * Takes the announcement for this delivery's owner: the claim column is set in the same transaction that
 * checks it was empty, under the row lock, so two evaluations can never both own one announcement. A retry of
 * the same delivery (same owner) finds its own claim and carries on with the channels still missing.
 */
async function claim(db: Db, d: AlertDelivery): Promise<Claim> {
  const column = claimColumn(d.phase);
  return db.transaction(async (trx) => {
    const row: AlertRow | undefined = await trx('alerts').where({ id: d.alertId }).forUpdate().first();
    const wanted = d.phase === 'fired' ? 'firing' : 'resolved';
    if (!row || row.episode !== d.episode || row.status !== wanted) return { kind: 'stale' } as const;
    const record = row.deliveries[d.phase];
    if (row[column] !== null) return record?.owner === d.owner ? ({ kind: 'claimed', row } as const) : ({ kind: 'claimed_elsewhere' } as const);
    const deliveries = { ...row.deliveries, [d.phase]: { owner: d.owner, channels: record?.channels ?? {} } };
    const [claimed] = await trx('alerts').where({ id: d.alertId }).update({ [column]: trx.fn.now(), deliveries: JSON.stringify(deliveries) }).returning('*');
    return { kind: 'claimed', row: claimed as AlertRow } as const;
  });
}

async function recordChannel(db: Db, d: AlertDelivery, channel: AlertChannelName, outcome: ChannelOutcome): Promise<void> {
  await db('alerts')
    .where({ id: d.alertId, episode: d.episode })
    .whereRaw("deliveries -> ?::text ->> 'owner' = ?", [d.phase, d.owner])
    .update({ deliveries: db.raw('jsonb_set(deliveries, ?::text[], ?::jsonb, true)', [[d.phase, 'channels', channel], JSON.stringify(outcome)]) });
}

/**
 * Sends one announcement (an alert firing, or its all-clear) once. What is left:
 * - a crash between a provider accepting and our recording of that channel: the retried activity sends that
 *   channel again (at least once). The e-mail repeats with the same Message-ID and the Redis message with the
 *   same (id, episode, phase), so a repeat can be recognised; a Slack post can show twice.
 * - a delivery that spends its retries releases its claim (releaseAlertClaim), and the next evaluation sends
 *   only the channels still missing. Only a workflow run ended from outside between claim and release leaves
 *   the claim held with channels unsent (at most once for those); `deliveries` in the admin API shows it.
 * A channel that refuses the message for good (bad webhook, rejected address) is recorded, not retried.
 */
export async function deliverAlert(deps: AlertDeps, d: AlertDelivery): Promise<AlertDeliveryResult> {
  const claimed = await claim(deps.db, d);
  if (claimed.kind !== 'claimed') return { key: d.key, phase: d.phase, status: claimed.kind };
  const row = claimed.row;
  const done: Record<string, ChannelOutcome> = { ...(row.deliveries[d.phase]?.channels ?? {}) };
  const announcement = announcementOf(row, d.phase);
  const rendered = renderAlert(announcement.source, d.phase, deps.config.PUBLIC_BASE_URL);
  const problems: Array<{ channel: AlertChannelName; message: string; retryAfterMs?: number }> = [];
  await Promise.all(
    channelsFor(deps)
      .filter((channel) => done[channel] === undefined)
      .map(async (channel) => {
        let outcome: ChannelOutcome;
        try {
          outcome = await sendOn(deps, channel, announcement, rendered);
        } catch (err) {
          if (!(err instanceof ChannelRejectedError)) {
            problems.push({ channel, message: (err as Error).message.slice(0, 500), retryAfterMs: err instanceof ChannelUnavailableError ? err.retryAfterMs : undefined });
            return;
          }
          outcome = { status: 'rejected', at: new Date().toISOString(), reason: err.message.slice(0, 500) };
        }
        await recordChannel(deps.db, d, channel, outcome);
        done[channel] = outcome;
      }),
  );
  if (problems.length > 0) {
    const message = problems.map((p) => `${p.channel}: ${p.message}`).join('; ');
    const waits = problems.map((p) => p.retryAfterMs).filter((ms): ms is number => ms !== undefined);
    // A provider's Retry-After is honoured, but capped: a whole evaluation should not wait on one channel.
    throw ApplicationFailure.create({ message, type: 'AlertChannelUnavailable', ...(waits.length ? { nextRetryDelay: Math.min(Math.max(...waits), 60_000) } : {}) });
  }
  return { key: d.key, phase: d.phase, status: 'sent', channels: done };
}

/** The delivery gave up: the announcement goes back to the pool, keeping what each channel already did. */
export async function releaseAlertClaim(deps: AlertDeps, d: AlertDelivery): Promise<void> {
  await deps.db('alerts')
    .where({ id: d.alertId, episode: d.episode })
    .whereRaw("deliveries -> ?::text ->> 'owner' = ?", [d.phase, d.owner])
    .update({ [claimColumn(d.phase)]: null });
}

// ---- Without the database ------------------------------------------------------------------------------
// "The database is down" cannot be recorded in the database. Its once-until-resolved state lives in a Redis
// hash per task queue (and, with Redis down as well, in this process), and its messages go out best effort.

const unrecordedHash = (config: Config) => `dy:alerts:unrecorded:${config.TEMPORAL_TASK_QUEUE}`;
const localUnrecorded = new Map<string, string>();

const redisReady = (deps: AlertDeps): deps is AlertDeps & { redis: Redis } => deps.redis !== undefined && deps.redis.status === 'ready';

interface UnrecordedState {
  finding: AlertFinding;
  firstFiredAt: string;
}

/** true when this call took the mark, i.e. nobody has announced this key yet. */
async function markUnrecorded(deps: AlertDeps, key: string, state: UnrecordedState): Promise<boolean> {
  const value = JSON.stringify(state);
  if (redisReady(deps)) {
    try {
      return (await deps.redis.hsetnx(unrecordedHash(deps.config), key, value)) === 1;
    } catch {
      // fall through to the process-local mark
    }
  }
  if (localUnrecorded.has(key)) return false;
  localUnrecorded.set(key, value);
  return true;
}

async function unmarkUnrecorded(deps: AlertDeps, key: string): Promise<void> {
  localUnrecorded.delete(key);
  if (redisReady(deps)) await deps.redis.hdel(unrecordedHash(deps.config), key).catch(() => undefined);
}

function unrecordedAnnouncement(state: UnrecordedState, phase: AlertPhase, now: Date): Announcement {
  const f = state.finding;
  const firstFiredAt = new Date(state.firstFiredAt);
  return {
    phase,
    identity: `alert-unrecorded-${f.key.replace(/[^a-zA-Z0-9]+/g, '-')}-${firstFiredAt.getTime()}-${phase}`,
    source: { key: f.key, rule: f.rule, severity: f.severity, summary: f.summary, details: f.details, firstFiredAt, lastSeenAt: now, resolvedAt: phase === 'resolved' ? now : null },
    redisMessage: { id: null, key: f.key, rule: f.rule, severity: f.severity, phase, episode: null, summary: f.summary, details: f.details, firstFiredAt: firstFiredAt.toISOString(), lastSeenAt: now.toISOString(), resolvedAt: phase === 'resolved' ? now.toISOString() : null, recorded: false },
  };
}

/** Every channel tried once; true when at least one took the message. */
async function sendBestEffort(deps: AlertDeps, a: Announcement): Promise<boolean> {
  const rendered = renderAlert(a.source, a.phase, deps.config.PUBLIC_BASE_URL);
  const channels = channelsFor(deps);
  const outcomes = await Promise.all(
    channels.map((channel) =>
      sendOn(deps, channel, a, rendered).catch((err: Error): ChannelOutcome => ({ status: 'rejected', at: new Date().toISOString(), reason: err.message })),
    ),
  );
  // A Redis publish alone does not count: nobody may be listening.
  const sent = outcomes.some((o, i) => o.status === 'sent' && channels[i] !== 'redis');
  if (!sent) logger.error({ key: a.source.key, phase: a.phase, outcomes }, 'alert could not be announced to a person on any channel');
  return sent;
}

export async function announceUnrecorded(deps: AlertDeps, finding: AlertFinding): Promise<boolean> {
  const state: UnrecordedState = { finding, firstFiredAt: new Date().toISOString() };
  if (!(await markUnrecorded(deps, finding.key, state))) return false;
  const sent = await sendBestEffort(deps, unrecordedAnnouncement(state, 'fired', new Date()));
  // Nobody heard it: leave it unmarked so the next evaluation tries again.
  if (!sent) await unmarkUnrecorded(deps, finding.key);
  return sent;
}

/** Once the database answers again, each unrecorded alert no longer reported gets its all-clear, once. */
export async function clearUnrecorded(deps: AlertDeps, stillReported: ReadonlySet<string>): Promise<string[]> {
  const entries = new Map(localUnrecorded);
  if (redisReady(deps)) {
    const stored = await deps.redis.hgetall(unrecordedHash(deps.config)).catch(() => ({}) as Record<string, string>);
    for (const [key, value] of Object.entries(stored)) entries.set(key, value);
  }
  const cleared: string[] = [];
  for (const [key, value] of entries) {
    if (stillReported.has(key)) continue;
    // Whoever removes the mark sends the all-clear: two evaluations racing here announce it once.
    const local = localUnrecorded.delete(key);
    const remote = redisReady(deps) ? (await deps.redis.hdel(unrecordedHash(deps.config), key).catch(() => 0)) === 1 : false;
    if (!local && !remote) continue;
    await sendBestEffort(deps, unrecordedAnnouncement(JSON.parse(value) as UnrecordedState, 'resolved', new Date()));
    cleared.push(key);
  }
  return cleared;
}
