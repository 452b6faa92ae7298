import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { toolCacheDir } from './paths';

/** The one place our external binaries' versions are pinned. */
export const TOOLS = {
  temporal: { module: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1', bin: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  stripeMock: { module: 'github.com/stripe/stripe-mock', version: 'v0.203.0', bin: 'stripe-mock', env: 'STRIPE_MOCK_PATH' },
} as const;
export type ToolName = keyof typeof TOOLS;

const executable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, bin))) return path.join(dir, bin);
  }
  return undefined;
}

export function cachedToolPath(name: ToolName): string {
  const t = TOOLS[name];
  return path.join(toolCacheDir, `${t.bin}-${t.version}`, t.bin);
}

function goBinary(): string | undefined {
  return onPath('go') ?? (executable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Where the binary comes from, in order: its env variable, PATH, our cache outside the checkout. */
export function findTool(name: ToolName): string | undefined {
  const t = TOOLS[name];
  const fromEnv = process.env[t.env];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`${t.env}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  return onPath(t.bin) ?? (executable(cachedToolPath(name)) ? cachedToolPath(name) : undefined);
}

/**
 * Finds the tool or builds it from its Go module into the cache (a few minutes, once per machine).
 * Returns undefined when there is no Go: the caller falls back (the Temporal SDK can download its server).
 */
export function ensureTool(name: ToolName, log: (msg: string) => void = console.log): string | undefined {
  const found = findTool(name);
  if (found) return found;
  const go = goBinary();
  if (!go) return undefined;
  const t = TOOLS[name];
  const target = cachedToolPath(name);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const lock = `${dir}.lock`;
  // A second process building the same tool waits for the first instead of racing it.
  for (let waited = 0; ; waited += 2) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (executable(target)) return target;
      if (waited > 1200) fs.rmSync(lock, { recursive: true, force: true });
      spawnSync('sleep', ['2']);
    }
  }
  try {
    if (executable(target)) return target;
    log(`building ${t.bin} ${t.version} from ${t.module} into ${dir} (once per machine; takes a few minutes)`);
    execFileSync(go, ['install', `${t.module}@${t.version}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0', GOFLAGS: '-trimpath', PATH: `${path.dirname(go)}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    if (!executable(target)) throw new Error(`go install finished but ${target} is missing`);
    return target;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
