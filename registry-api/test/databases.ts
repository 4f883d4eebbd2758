import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../src/db/database.js';
import { loadMigrations, migrate } from '../src/db/migrate.js';
import { openPglite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';

/**
 * The databases every registry suite runs on: embedded PGlite always, and PostgreSQL when
 * SKILLS_TEST_DATABASE_URL is set or a server answers at 127.0.0.1:5432. Each `open()` gives a
 * fresh, migrated database cloned from a template (PGlite takes seconds to create; a clone
 * takes a fraction of that).
 */
export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

let pgliteTemplate: Promise<Blob> | undefined;
const pglite: TestDatabase = {
  kind: 'pglite',
  async open() {
    pgliteTemplate ??= (async () => {
      const db = openPglite();
      await migrate(db);
      const dump = await db.dump();
      await db.close();
      return dump;
    })();
    return openPglite({ loadDataDir: await pgliteTemplate });
  },
};

async function postgresUrl(): Promise<string | null> {
  const url = process.env.SKILLS_TEST_DATABASE_URL ?? LOCAL_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return url;
  } catch (error) {
    if (process.env.SKILLS_TEST_DATABASE_URL) throw error; // asked for and broken: fail loudly
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let postgresTemplate: Promise<string> | undefined;

/** A fresh migrated PostgreSQL database for processes of their own: its URL, and how to drop it. */
export interface ScratchPostgres {
  url: string;
  drop(): Promise<void>;
}

async function scratchDatabase(url: string): Promise<ScratchPostgres> {
  postgresTemplate ??= createTemplate(url);
  const template = await postgresTemplate;
  const name = `skills_t_${randomBytes(6).toString('hex')}`;
  await admin(url, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    url: withDatabase(url, name),
    drop: () =>
      admin(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

function postgres(url: string): TestDatabase {
  return {
    kind: 'postgres',
    async open() {
      const scratch = await scratchDatabase(url);
      const db = openPostgres(scratch.url, { max: 20 });
      const close = db.close.bind(db);
      return {
        ...db,
        close: async () => {
          await close();
          await scratch.drop();
        },
      };
    },
  };
}

/** One template per set of migrations, created once even by parallel test workers. */
async function createTemplate(url: string): Promise<string> {
  const migrations = await loadMigrations();
  const digest = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 12);
  const name = `skills_template_${digest}`;
  await admin(url, async (client) => {
    await client.query('SELECT pg_advisory_lock(7301)');
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) {
        const building = `${name}_b${randomBytes(3).toString('hex')}`;
        await client.query(`CREATE DATABASE ${building}`);
        const db = openPostgres(withDatabase(url, building), { max: 1 });
        await migrate(db, migrations);
        await db.close();
        await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(7301)');
    }
  });
  return name;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

const url = await postgresUrl();
if (url === null)
  console.warn('PostgreSQL does not answer at 127.0.0.1:5432: the PostgreSQL suites are skipped');

export const testDatabases: readonly TestDatabase[] = url === null ? [pglite] : [pglite, postgres(url)];

/** A scratch PostgreSQL database, or null when no server answers. */
export function scratchPostgres(): Promise<ScratchPostgres> | null {
  return url === null ? null : scratchDatabase(url);
}
