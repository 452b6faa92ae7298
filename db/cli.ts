import { loadConfig } from '../lib/config';
import { runCommand, withMigratedDatabase } from './commandLine';
import { seedCatalogue } from './seeds/catalogue';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'migrate' && command !== 'seed') {
    console.error('usage: db/cli.js migrate|seed');
    process.exit(2);
  }
  const config = loadConfig();
  await withMigratedDatabase(config, console.log, async (db, applied) => {
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema up to date');
    if (command === 'seed') console.log('seeded', await seedCatalogue(db));
  });
}

runCommand(main);
