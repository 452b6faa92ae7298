import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { projectRoot } from '../lib/paths';

/** Workers load this pre-built bundle instead of bundling at every start (and production ships it). */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), workflowInterceptorModules: [require.resolve('../workflows/interceptors')], logger: new DefaultLogger('WARN') });
  const target = path.join(projectRoot, 'dist', 'workflow-bundle.js');
  fs.writeFileSync(target, code);
  console.log(`[bundle] ${target} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
