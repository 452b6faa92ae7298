import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { projectRoot } from '../lib/paths';
import { HISTORY_FIXTURES } from './helpers/histories';

/**
 * Histories recorded from real runs of the released workflow (RECORD_HISTORIES=1 npm test). Every change
 * to workflow code must still replay them: otherwise it breaks orders in flight and needs patched() or a
 * new workflow type. Replay runs in its own process, as operators run it before a deploy.
 */
const REPLAY = path.join(projectRoot, 'dist', 'scripts', 'replayHistories.js');
const run = promisify(execFile);

async function replay(paths: string[], bundle?: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [REPLAY, ...paths], { env: bundle ? { ...process.env, WORKFLOW_BUNDLE_PATH: bundle } : process.env });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

test('the main paths have recorded histories', () => {
  expect(fs.readdirSync(HISTORY_FIXTURES).sort()).toEqual(
    expect.arrayContaining([
      'cancel-after-payment.json',
      'carrier-rejected-admin-cancel.json',
      'data-rejected-admin-cancel.json',
      'exception-refund-lines.json',
      'exception-reship-resolve.json',
      'happy-path-delivered.json',
      'manual-warehouse-delivered.json',
      'notified-delivered.json',
      'payment-failed.json',
      'payment-mismatch-then-paid.json',
      'payment-timeout.json',
      'return-refunded.json',
      'shipment-pushed-delivered.json',
      'two-parcels-delivered.json',
      'two-returns.json',
    ]),
  );
});

test('every recorded history replays deterministically against the current workflow code', async () => {
  const { code, out } = await replay([HISTORY_FIXTURES]);
  expect(out).toMatch(/replayed \d+ histories: \d+ deterministic, 0 failed/);
  expect(code).toBe(0);
});

test('a history the code would not produce fails replay (the guard can fail)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-replay-'));
  const original = fs.readFileSync(path.join(HISTORY_FIXTURES, 'payment-failed.json'), 'utf8');
  // As if an older release had scheduled a different activity at this step.
  expect(original).toMatch(/"name":\s*"createPaymentIntent"/);
  fs.writeFileSync(path.join(dir, 'tampered.json'), original.replace(/"name":\s*"createPaymentIntent"/, '"name": "createPaymentIntentV0"'));
  const { code, out } = await replay([dir]);
  expect(out).toMatch(/FAIL tampered/);
  expect(code).toBe(1);
});

test('workflow code that reorders two commands without patched() fails replay of the v1 fixtures (CI catches it)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-variant-'));
  // The real bundle's build, from a copy of the order workflow that cancels the PaymentIntent before releasing stock.
  const { code: bundled } = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'test', 'fixtures', 'workflow-variants', 'reorderedCompensation.ts'),
    workflowInterceptorModules: [path.join(projectRoot, 'workflows', 'interceptors.ts')],
    logger: new DefaultLogger('WARN'),
  });
  const variant = path.join(dir, 'reordered-bundle.js');
  fs.writeFileSync(variant, bundled);
  const fixture = path.join(HISTORY_FIXTURES, 'payment-failed.json');

  const reordered = await replay([fixture], variant);
  expect(reordered.out).toMatch(/FAIL payment-failed: .*[Nn]ondeterminis/);
  expect(reordered.code).toBe(1);
  // The same fixture replays against the real code: the failure is the reordering, not the variant's build.
  const current = await replay([fixture]);
  expect(current.out).toMatch(/ok {3}payment-failed/);
  expect(current.code).toBe(0);
}, 180_000);
