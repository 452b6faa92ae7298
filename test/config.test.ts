/** Configuration as the processes apply it: a built entry point refusing to start (needs dist/), and the API's own parsing. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../lib/paths';

test('a process with a bad setting stops with one message naming it', async () => {
  const run = promisify(execFile);
  const failure = await run(process.execPath, [path.join(projectRoot, 'dist', 'api', 'main.js')], { env: { ...process.env, PORT: 'eighty', WAREHOUSE_MODE: 'robots' } }).catch((e) => e);
  expect(failure.code).toBe(1);
  expect(failure.stderr).toMatch(/Invalid configuration/);
  expect(failure.stderr).toMatch(/PORT/);
  expect(failure.stderr).toMatch(/WAREHOUSE_MODE/);
});

test('a process started with NODE_ENV unset refuses to run, naming NODE_ENV', async () => {
  const run = promisify(execFile);
  const { NODE_ENV: _unset, ...env } = process.env;
  const failure = await run(process.execPath, [path.join(projectRoot, 'dist', 'api', 'main.js')], { env }).catch((e) => e);
  expect(failure.code).toBe(1);
  expect(failure.stderr).toMatch(/NODE_ENV: must be set/);
});

test('TRUST_PROXY reads hop counts and booleans, not as addresses', async () => {
  const { trustProxyValue } = await import('../api/app');
  expect(trustProxyValue('1')).toBe(1);
  expect(trustProxyValue('true')).toBe(true);
  expect(trustProxyValue('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
});
