import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTool } from '../../lib/tools';
import type { System } from './system';

export const HISTORY_FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1 a test saves its order's history as a replay fixture. Fixtures are recorded once
 * per released workflow version and kept: replaying them guards every later change to the workflow.
 * The CLI's JSON export is the same format the Temporal UI downloads.
 */
export async function recordHistory(sys: System, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const temporal = ensureTool('temporal');
  if (!temporal) throw new Error('recording histories needs the Temporal CLI');
  const json = execFileSync(temporal, ['workflow', 'show', '--workflow-id', workflowId, '--address', sys.ctx.config.TEMPORAL_ADDRESS as string, '--namespace', sys.ctx.config.TEMPORAL_NAMESPACE, '--output', 'json'], { encoding: 'utf8' });
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), json);
}
