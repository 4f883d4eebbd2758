import path from 'node:path';
import type { RegistryConfig } from '../config.js';
import { lockDataDir, type DataDirLock } from '../data-dir-lock.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

export interface OpenedDatabase {
  db: Database;
  /** Closes the database and, on the embedded one, frees the data dir. */
  close(): Promise<void>;
}

/**
 * The database the configuration names, migrated: PostgreSQL with DATABASE_URL, else the embedded
 * one in `<dataDir>/db` under the data-dir lock (a second process exits with "stop the server or
 * use DATABASE_URL" instead of silently losing commits).
 */
export async function openDatabase(
  config: RegistryConfig,
  options: { migrate?: boolean } = {},
): Promise<OpenedDatabase> {
  let lock: DataDirLock | null = null;
  let db: Database;
  if (config.databaseUrl === null) {
    lock = await lockDataDir(config.dataDir);
    db = openPglite({ dataDir: path.join(config.dataDir, 'db') });
  } else {
    db = openPostgres(config.databaseUrl);
  }
  try {
    if (options.migrate !== false) await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
  return {
    db,
    async close() {
      await db.close();
      lock?.release();
    },
  };
}
