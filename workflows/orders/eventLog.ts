/**
 * The order's one way of saying what happened: each event is written to the log (with the read model), then
 * its messages are delivered, in order and awaited. Events are written one at a time, so the local activities
 * of a handler's event and of the main flow's never run side by side (their finishing order would decide the
 * order of the history's markers, and a replay could not follow); see exclusive().
 */
import { isCancellation, log, upsertSearchAttributes } from '@temporalio/workflow';
import { scrubControlCharacters } from '../../lib/controlCharacters';
import { AttentionReasonKey, OrderStatusKey } from '../../temporal-config/searchAttributes';
import { type Announcement, announcementsFor } from './announcements';
import { dataRejection, failureMessage, type OrderRun } from './context';
import type { OrderStatus } from './definitions';
import type { OrderEvent, ReadModelPatch, StatusChangeData } from './events';

type Written = { event: OrderEvent; id: number };

/**
 * Writes one event, runs `written` (what the workflow's state learns from it, so a query agrees with the read
 * model as soon as the row is there), then delivers what it announces; events queue behind each other.
 */
export function record(run: OrderRun, event: OrderEvent, written?: () => void): Promise<void> {
  return exclusive(run, async () => {
    const toAnnounce = await write(run, event);
    written?.();
    for (const { event: announced, id } of toAnnounce) await announce(run, announced, id);
  });
}

/**
 * Runs `work` after everything queued before it: the main flow's own local activities go through here too,
 * so no two local activities of the order ever run side by side, whichever handler started one.
 */
export function exclusive<T>(run: OrderRun, work: () => Promise<T>): Promise<T> {
  const next = run.eventQueue.tail.then(work);
  run.eventQueue.tail = next.then(
    () => undefined,
    () => undefined,
  );
  return next;
}

/**
 * Every status change goes through here: the event log and read model first, then the workflow's state and
 * search attributes, so whoever reads the new status also finds it in the timeline.
 */
export async function transition(run: OrderRun, to: OrderStatus, change: { actor: string; reason?: string; data?: StatusChangeData; readModel?: ReadModelPatch }): Promise<void> {
  const { state } = run;
  const event: OrderEvent = {
    type: 'status_changed',
    fromStatus: state.status,
    toStatus: to,
    actor: change.actor,
    reason: change.reason,
    data: change.data,
    readModel: { status: to, cancelReason: state.cancelReason ?? null, attentionReason: state.attentionReason ?? null, ...change.readModel },
  };
  await record(run, event, () => {
    state.status = to;
    upsertSearchAttributes([
      { key: OrderStatusKey, value: to },
      { key: AttentionReasonKey, value: state.attentionReason ?? null },
    ]);
  });
}

/** The event's row (or, refused, its cleaned or bare form and the admin's flag); what was written, to announce. */
async function write(run: OrderRun, event: OrderEvent): Promise<Written[]> {
  run.state.eventNo += 1;
  const eventKey = `wf-${run.state.eventNo}`;
  try {
    return [{ event, id: (await run.local.recordOrderEvent({ ...event, orderNumber: run.orderNumber, eventKey })).id }];
  } catch (err) {
    const rejected = dataRejection(err);
    if (rejected === undefined) throw err;
    return recordRefused(run, event, eventKey, rejected);
  }
}

/**
 * An event the database refused (the data came around our schemas): written again under the same key (the
 * first write never landed) without control characters, then, if even that is refused, as its bare status
 * change; each at most once, so a refused record can never loop. The order carries on, and an admin is told.
 */
async function recordRefused(run: OrderRun, event: OrderEvent, eventKey: string, rejected: string): Promise<Written[]> {
  const { state, orderNumber } = run;
  const clean = scrubControlCharacters(event);
  const cut = (s: string | undefined) => (typeof s === 'string' ? s.slice(0, 200) : s);
  // The bare event keeps only its type and statuses: the one place an event is written without its data.
  const attempts = [
    { ...clean, actor: cut(clean.actor) as string, reason: cut(clean.reason), data: { ...(clean.data ?? {}), dataRejected: rejected } },
    { type: event.type, fromStatus: event.fromStatus, toStatus: event.toStatus, actor: 'system', reason: cut(clean.reason), data: { dataRejected: rejected }, readModel: clean.readModel },
  ] as OrderEvent[];
  let written: Written | undefined;
  for (const attempt of attempts) {
    try {
      written = { event: attempt, id: (await run.local.recordOrderEvent({ ...attempt, orderNumber, eventKey })).id };
      break;
    } catch (err) {
      if (dataRejection(err) === undefined) throw err;
    }
  }
  if (!written) log.error('order event refused by the database even when cleaned; not recorded', { orderId: orderNumber, type: event.type, error: rejected });
  const flag = state.attentionReason === undefined;
  if (flag) {
    state.flag('DATA_REJECTED', rejected);
    upsertSearchAttributes([{ key: AttentionReasonKey, value: 'DATA_REJECTED' }]);
  }
  state.eventNo += 1;
  const flagged: OrderEvent = {
    type: 'data_rejected',
    actor: 'system',
    reason: 'DATA_REJECTED',
    data: { detail: rejected, eventType: event.type, recorded: written !== undefined },
    ...(flag ? { readModel: { attentionReason: 'DATA_REJECTED' } } : {}),
  };
  const toAnnounce: Written[] = [];
  try {
    toAnnounce.push({ event: flagged, id: (await run.local.recordOrderEvent({ ...flagged, orderNumber, eventKey: `wf-${state.eventNo}` })).id });
  } catch (err) {
    if (dataRejection(err) === undefined) throw err;
    log.error('data_rejected not recorded', { orderId: orderNumber, error: rejected });
  }
  return written ? [...toAnnounce, written] : toAnnounce;
}

/** The event's messages, one after the other; a delivery that fails is logged, never thrown. */
async function announce(run: OrderRun, event: OrderEvent, orderEventId: number): Promise<void> {
  for (const announcement of announcementsFor(event)) {
    try {
      await deliver(run, orderEventId, announcement);
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.error('notification not delivered', { orderId: run.orderNumber, template: announcement.template, error: (err as Error).message });
    }
  }
}

/**
 * Sends one event's message on every channel the customer (or the admins) should get it on, one channel
 * after the other. A channel that finally fails is recorded and reported to admins.
 */
async function deliver(run: OrderRun, orderEventId: number, announcement: Announcement): Promise<void> {
  const { orderNumber } = run;
  const channels = await run.local.resolveChannels({ orderNumber, template: announcement.template, audience: announcement.audience });
  for (const channel of channels) {
    const request = { orderNumber, orderEventId, template: announcement.template, audience: announcement.audience, channel, data: announcement.data };
    try {
      await run.notify.sendNotification(request);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const error = failureMessage(err);
      await run.local.markNotificationFailed({ ...request, error });
      if (announcement.audience === 'customer') {
        await deliver(run, orderEventId, { template: 'admin_notification_failed', audience: 'admin', data: { channel, failedTemplate: announcement.template, error } });
      }
    }
  }
}
