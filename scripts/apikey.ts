/**
 * API keys for machine clients (scanners, scripts, the Temporal UI codec):
 *
 *   npm run apikey:create -- --name scanner-1 --scope warehouse
 *   npm run apikey:create -- --name ops-script --scope admin
 *
 * The key is printed once, on stdout alone (so `KEY=$(npm run -s apikey:create -- …)` works); only its
 * SHA-256 is stored. Revoke with POST /api/admin/api-keys/<name>/revoke, list with GET /api/admin/api-keys.
 */
import { parseArgs } from 'node:util';
import { ApiKeyExistsError, createApiKey } from '../api/admin/apiKeys';
import { STAFF_ROLES, type StaffRole } from '../api/staff/roles';
import { runCommand, withMigratedDatabase } from '../db/commandLine';
import { loadConfig } from '../lib/config';

const USAGE = 'usage: npm run apikey:create -- --name <name> --scope admin|warehouse|support [--scope …]';

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create') {
    console.error(USAGE);
    process.exit(2);
  }
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string', multiple: true } }, strict: true });
  const scopes = (values.scope ?? []) as StaffRole[];
  if (!values.name || scopes.length === 0 || scopes.some((s) => !STAFF_ROLES.includes(s))) {
    console.error(USAGE);
    process.exit(2);
  }
  const name = values.name;
  const config = loadConfig();
  try {
    await withMigratedDatabase(config, (message) => console.error(message), async (db) => {
      const { key, info } = await createApiKey(db, name, scopes);
      console.error(`created API key ${info.name} (${info.prefix}…, scope ${info.scopes.join(', ')}); it is shown once, store it now:`);
      console.log(key);
    });
  } catch (err) {
    if (err instanceof ApiKeyExistsError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

runCommand(main);
