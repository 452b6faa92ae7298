import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The checkout's root, whether running from source (ts-jest) or from dist/. */
export const projectRoot: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === 'dist') {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
})();

/** Built tools live outside the checkout so every fresh clone on this machine reuses them. */
export const toolCacheDir: string =
  process.env.DY_TOOL_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dy-orders', 'bin');
