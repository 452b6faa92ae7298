/**
 * After delivery, returns stay possible until the window closes; the workflow (and its search attributes)
 * stays live until then and until its last return is settled.
 */
import { condition, sleep } from '@temporalio/workflow';
import type { OrderRun } from './context';
import { record } from './eventLog';
import { settleReturn, startReturn } from './returns';
import { applyAllNews } from './shipping';

export async function returnWindow(run: OrderRun): Promise<void> {
  const { state } = run;
  let windowClosed = false;
  void sleep(Date.parse(state.returnWindowEndsAt as string) - Date.now()).then(() => {
    windowClosed = true;
  });
  for (;;) {
    await condition(() => state.returnRequests.waiting > 0 || state.finishedReturns.length > 0 || state.shipmentNews.length > 0 || (windowClosed && state.openReturns === 0));
    for (const letter of state.returnRequests.takeAll()) {
      if (windowClosed) letter.refuse(`the return window closed on ${state.returnWindowEndsAt}`);
      else await startReturn(run, letter);
    }
    await applyAllNews(run);
    for (let done = state.finishedReturns.shift(); done; done = state.finishedReturns.shift()) await settleReturn(run, done);
    if (windowClosed && state.openReturns === 0 && state.returnRequests.waiting === 0) break;
  }
  await record(run, { type: 'return_window_closed', actor: 'system' });
}
