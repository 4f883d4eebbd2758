import { Command, Option } from 'clipanion';
import { pino, type Logger } from 'pino';
import { loadConfig, type RegistryConfig } from '../config.js';
import { registryPaths, type RegistryContext } from '../context.js';
import { openDatabase, type OpenedDatabase } from '../db/open.js';

/** Flags every command shares; each overrides its environment variable (DESIGN §5). */
export abstract class RegistryCommand extends Command {
  dataDir = Option.String('--data-dir', { description: 'The data dir (SKILLS_DATA_DIR; default ./.data)' });
  databaseUrl = Option.String('--database-url', {
    description: 'PostgreSQL URL (DATABASE_URL); embedded PGlite without it',
  });

  protected config(extra: Parameters<typeof loadConfig>[0] = {}): Promise<RegistryConfig> {
    return loadConfig({
      ...(this.dataDir === undefined ? {} : { dataDir: this.dataDir }),
      ...(this.databaseUrl === undefined ? {} : { databaseUrl: this.databaseUrl }),
      ...extra,
    });
  }

  protected logger(): Logger {
    return pino({ level: process.env.LOG_LEVEL ?? 'info' });
  }

  /** The configured database (locked when embedded) as a context for one command. */
  protected async open(): Promise<{ ctx: RegistryContext; database: OpenedDatabase }> {
    const config = await this.config();
    const database = await openDatabase(config);
    const ctx: RegistryContext = {
      config,
      db: database.db,
      logger: this.logger(),
      now: () => new Date(),
      paths: registryPaths(config.dataDir),
    };
    return { ctx, database };
  }
}
