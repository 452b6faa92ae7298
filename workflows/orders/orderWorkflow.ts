import { checkout } from './checkout';
import { compensate, type Stop } from './compensation';
import { type OrderRun, startRun } from './context';
import type { OrderInput, OrderView } from './definitions';
import { finish } from './finish';
import { registerHandlers } from './handlers';
import { payment } from './payment';
import { returnWindow } from './returnWindow';
import { shipping } from './shipping';
import { warehouse } from './warehouse';

/**
 * One customer order, from checkout to the end of its return window. The workflow decides; every side
 * effect is an activity keyed by the order, so retries and replays are harmless. Each phase returns where
 * the order goes next; a stop is undone by compensation.ts, and every order ends in finish().
 */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const run = startRun(input);
  registerHandlers(run);

  const checkedOut = await checkout(run);
  if (checkedOut.next === 'stop') return stopped(run, checkedOut.stop);

  const paid = await payment(run);
  if (paid.next === 'stop') return stopped(run, paid.stop);

  const packed = await warehouse(run);
  if (packed.next === 'stop') return stopped(run, packed.stop);

  const shipped = await shipping(run, packed.parcels, packed.actor);
  if (shipped.next === 'stop') return stopped(run, shipped.stop);

  await returnWindow(run);
  return finish(run);
}

async function stopped(run: OrderRun, stop: Stop): Promise<OrderView> {
  await compensate(run, stop);
  return finish(run);
}
