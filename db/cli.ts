import { loadConfig } from '../lib/config';
import { createDb, migrateLatest } from './connection';
import { ensureDatabase } from './ensureDatabase';
import { seedCatalogue } from './seeds/catalogue';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'migrate' && command !== 'seed') {
    console.error('usage: db/cli.js migrate|seed');
    process.exit(2);
  }
  const config = loadConfig();
  const database = await ensureDatabase({ databaseUrl: config.DATABASE_URL, databaseName: config.DATABASE_NAME, dataDir: config.DATA_DIR, allowEmbedded: config.EMBEDDED_POSTGRES, embeddedPort: config.EMBEDDED_POSTGRES_PORT, log: console.log });
  const db = createDb(database.url);
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema up to date');
    if (command === 'seed') console.log('seeded', await seedCatalogue(db));
  } finally {
    await db.destroy();
    await database.stop?.();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
