#!/usr/bin/env node
'use strict';
// Runs before `npm start`, `npm test` and `npm run bench`, on a fresh clone too: plain Node, no dependencies,
// because node_modules may not exist yet. Installs what is missing, compiles, and builds the pinned tools.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const say = (msg) => process.stdout.write(`[bootstrap] ${msg}\n`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`DY Orders needs Node.js 20 or newer; this is ${process.version}`);
  process.exit(1);
}

// npm ci only when the lock file changed since the last install: a no-op start stays fast.
const lock = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.dy-install-stamp');
const lockHash = crypto.createHash('sha256').update(fs.readFileSync(lock)).update(fs.readFileSync(path.join(root, 'package.json'))).digest('hex');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== lockHash) {
  say('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  fs.writeFileSync(stamp, lockHash);
}

if (process.argv.includes('--build')) {
  say('compiling TypeScript');
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')]);
  say('checking the Temporal CLI and stripe-mock (built once per machine from their Go modules)');
  run(process.execPath, [path.join(root, 'dist', 'scripts', 'tools.js')]);
  say('bundling workflow code');
  run(process.execPath, [path.join(root, 'dist', 'scripts', 'bundleWorkflows.js')]);
}
