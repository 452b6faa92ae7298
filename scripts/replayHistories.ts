import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { projectRoot } from '../lib/paths';
import { createDataConverter } from '../temporal-config/dataConverter';

/**
 * Replays recorded workflow histories (files or folders of Temporal's JSON export) against the current
 * workflow code: `node dist/scripts/replayHistories.js [paths…]`. Exit 1 when any is non-deterministic.
 * Operators use it before a deploy with histories downloaded from the Temporal UI.
 */
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const args = process.argv.slice(2);
  const targets = args.length > 0 ? args : [path.join(projectRoot, 'test', 'fixtures', 'histories')];
  const files = targets.flatMap((t) => (fs.statSync(t).isDirectory() ? fs.readdirSync(t).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(t, f)) : [t]));
  const bundle = process.env.WORKFLOW_BUNDLE_PATH ?? path.join(projectRoot, 'dist', 'workflow-bundle.js');
  const histories = files.map((file) => ({ workflowId: path.basename(file, '.json'), history: historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))) }));
  let failed = 0;
  // Histories downloaded from production carry encrypted payloads: the same keys decode them here.
  const dataConverter = createDataConverter(loadConfig());
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: bundle }, replayName: 'fixtures', dataConverter }, histories)) {
    if (result.error) {
      failed += 1;
      console.log(`FAIL ${result.workflowId}: ${result.error.message.split('\n')[0]}`);
    } else {
      console.log(`ok   ${result.workflowId}`);
    }
  }
  console.log(`replayed ${histories.length} histories: ${histories.length - failed} deterministic, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
