import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../lib/paths';
import { HISTORY_FIXTURES } from './helpers/histories';

/**
 * Histories recorded from real runs of the released workflow (RECORD_HISTORIES=1 npm test). Every change
 * to workflow code must still replay them: otherwise it breaks orders in flight and needs patched() or a
 * new workflow type. Replay runs in its own process, as operators run it before a deploy.
 */
const REPLAY = path.join(projectRoot, 'dist', 'scripts', 'replayHistories.js');
const run = promisify(execFile);

async function replay(...paths: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [REPLAY, ...paths], { env: process.env });
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
      'happy-path-delivered.json',
      'manual-warehouse-delivered.json',
      'notified-delivered.json',
      'payment-failed.json',
      'payment-timeout.json',
    ]),
  );
});

test('every recorded history replays deterministically against the current workflow code', async () => {
  const { code, out } = await replay(HISTORY_FIXTURES);
  expect(out).toMatch(/replayed \d+ histories: \d+ deterministic, 0 failed/);
  expect(code).toBe(0);
});

test('a history the code would not produce fails replay (the guard can fail)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dy-replay-'));
  const original = fs.readFileSync(path.join(HISTORY_FIXTURES, 'payment-failed.json'), 'utf8');
  // As if an older release had scheduled a different activity at this step.
  expect(original).toMatch(/"name":\s*"createPaymentIntent"/);
  fs.writeFileSync(path.join(dir, 'tampered.json'), original.replace(/"name":\s*"createPaymentIntent"/, '"name": "createPaymentIntentV0"'));
  const { code, out } = await replay(dir);
  expect(out).toMatch(/FAIL tampered/);
  expect(code).toBe(1);
});
