import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { System } from './system';

export const HISTORY_FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1 a test saves its order's history as a replay fixture. Fixtures are recorded once
 * per released workflow version and kept: replaying them guards every later change to the workflow.
 */
export async function recordHistory(sys: System, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await sys.ctx.temporal.workflow.getHandle(workflowId).fetchHistory();
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), historyToJSON(history));
}
