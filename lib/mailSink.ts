import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './paths';
import { freePort, portOpen, startService, waitFor } from './processes';

/**
 * MailDev as a child process: the SMTP server dev and test mail goes to, with a web UI and REST API to read it.
 * A child rather than in-process because maildev 3 is ESM-only and this project is CommonJS.
 */

export interface MailSink {
  smtpUrl: string;
  /** Web UI and REST API (`GET /api/email`, `DELETE /api/email/all`). */
  webUrl: string;
  smtpPort: number;
  webPort: number;
  /** True when an already running MailDev on the same ports was reused: stop() leaves it alone. */
  reused: boolean;
  stop(): Promise<void>;
}

export interface MailSinkOptions {
  /** Default: a free port (tests); `npm start` passes MAILDEV_SMTP_PORT. */
  smtpPort?: number;
  /** Default: a free port (tests); `npm start` passes MAILDEV_WEB_PORT. */
  webPort?: number;
  logFile?: string;
  /**
   * Where MailDev keeps its .eml files, and restores them from on the next start (dev: under DATA_DIR, so
   * caught mail survives a restart). Default: a fresh temporary directory removed by stop(). Never MailDev's
   * own default (os.tmpdir()/maildev): that one directory is shared by every MailDev on the machine, and
   * `DELETE /api/email/all` empties it for all of them.
   */
  mailDirectory?: string;
  /** Keep at most this many emails (MailDev's --max-emails); 0 keeps all. */
  maxEmails?: number;
  timeoutMs?: number;
  /**
   * Use a MailDev already answering on these ports (say, left by an earlier `npm start`) instead of failing
   * to bind them. Only sensible with fixed ports.
   */
  reuseRunning?: boolean;
}

const MAILDEV_BIN = path.join(projectRoot, 'node_modules', '.bin', 'maildev');

export async function startMailSink(opts: MailSinkOptions = {}): Promise<MailSink> {
  const smtpPort = opts.smtpPort ?? (await freePort());
  const webPort = opts.webPort ?? (await freePort());
  const urls = { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, webUrl: `http://127.0.0.1:${webPort}`, smtpPort, webPort };

  if (opts.reuseRunning && (await answers(urls.webUrl)) && (await portOpen(smtpPort))) {
    return { ...urls, reused: true, stop: async () => undefined };
  }

  const ownDir = opts.mailDirectory === undefined;
  const mailDirectory = opts.mailDirectory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dy-maildev-'));
  fs.mkdirSync(mailDirectory, { recursive: true });
  const removeOwnDir = () => {
    if (ownDir) fs.rmSync(mailDirectory, { recursive: true, force: true });
  };

  // process.execPath rather than the script's shebang: the same Node that runs us, whatever PATH says.
  const service = startService(
    'maildev',
    process.execPath,
    [
      MAILDEV_BIN,
      '--smtp', String(smtpPort),
      '--web', String(webPort),
      '--ip', '127.0.0.1',
      '--web-ip', '127.0.0.1',
      '--mail-directory', mailDirectory,
      '--max-emails', String(opts.maxEmails ?? 0),
    ],
    { logFile: opts.logFile },
  );
  // waitFor only gives up at its deadline; a MailDev that died at once (port taken) should fail us at once.
  let exitedEarly: (err: Error) => void = () => undefined;
  const exited = new Promise<never>((_, reject) => {
    exitedEarly = reject;
  });
  const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
    exitedEarly(new Error(`maildev exited (${signal ?? `code ${code}`}) before answering on ${urls.webUrl}${opts.logFile ? `; see ${opts.logFile}` : ''}`));
  service.child.once('exit', onExit);
  try {
    await Promise.race([
      waitFor('maildev', async () => (await answers(urls.webUrl)) && (await portOpen(smtpPort)), { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100 }),
      exited,
    ]);
  } catch (err) {
    await service.stop();
    removeOwnDir();
    throw err;
  } finally {
    service.child.off('exit', onExit);
  }
  return {
    ...urls,
    reused: false,
    async stop() {
      await service.stop();
      removeOwnDir();
    },
  };
}

/** MailDev's list route, not just an open port: the API is what callers (and tests) depend on. */
async function answers(webUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${webUrl}/api/email`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
