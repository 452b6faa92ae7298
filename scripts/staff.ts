/**
 * Staff accounts from the command line; how the first admin is made (later ones too, until the admin pages
 * manage staff):
 *
 *   npm run staff:create -- --email jane@dyofficial.co.uk --name "Jane Smith" --role admin
 *
 * The password is read from STAFF_PASSWORD when set, else from stdin: typed twice without echo at a
 * terminal, or piped (`printf %s "$PW" | npm run staff:create -- …`). Never from the arguments, which other
 * users of the machine can read in the process list and which land in shell history.
 */
import { parseArgs } from 'node:util';
import { runCommand, withMigratedDatabase } from '../db/commandLine';
import { createStaff, newStaffSchema, StaffExistsError } from '../api/staff/staffStore';
import { loadConfig } from '../lib/config';

const USAGE = 'usage: npm run staff:create -- --email <email> --name "<full name>" --role admin|warehouse|support   (password from STAFF_PASSWORD or stdin)';

async function readHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode?.(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          input.off('data', onData);
          input.setRawMode?.(false);
          input.pause();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          input.setRawMode?.(false);
          reject(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

async function readPiped(): Promise<string> {
  let data = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) data += chunk;
  // One trailing newline is the shell's, not the password's.
  return data.replace(/\r?\n$/, '');
}

async function password(): Promise<string> {
  if (process.env.STAFF_PASSWORD) return process.env.STAFF_PASSWORD;
  if (!process.stdin.isTTY) return readPiped();
  const first = await readHidden('Password: ');
  const again = await readHidden('Same password again: ');
  if (first !== again) throw new Error('the two passwords differ; nothing was created');
  return first;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create') {
    console.error(USAGE);
    process.exit(2);
  }
  const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } }, strict: true });
  const input = { email: values.email, name: values.name, role: values.role, password: await password() };
  const checked = newStaffSchema.safeParse(input);
  if (!checked.success) {
    console.error(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  try {
    await withMigratedDatabase(config, (message) => console.error(message), async (db) => {
      const staff = await createStaff(db, checked.data);
      console.log(`created ${staff.role} ${staff.name} <${staff.email}> (id ${staff.id}); sign in at ${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/admin/login`);
    });
  } catch (err) {
    if (err instanceof StaffExistsError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

runCommand(main);
