import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { loadMigrations, migrate } from '../src/db/migrate.js';
import { testDatabases } from './databases.js';

describe.each(testDatabases)('the database on $kind', ({ open }) => {
  let db: Database;
  afterEach(async () => {
    await db.close();
  });

  it('is migrated, and migrating again applies nothing', async () => {
    db = await open();
    const migrations = await loadMigrations();
    const { rows } = await db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
  });

  it('answers bigint as number and bytea as Buffer', async () => {
    db = await open();
    const { rows } = await db.query<{ n: number; b: Buffer }>(
      "SELECT 42::bigint AS n, '\\x0a0b'::bytea AS b",
    );
    expect(rows[0]).toEqual({ n: 42, b: Buffer.from([10, 11]) });
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    db = await open();
    await db.tx(async (q) => {
      await q.query("INSERT INTO registry_state (id, epoch) VALUES (1, 'e1')");
    });
    await expect(
      db.tx(async (q) => {
        await q.query("UPDATE registry_state SET epoch = 'e2'");
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    const { rows } = await db.query<{ epoch: string }>('SELECT epoch FROM registry_state');
    expect(rows).toEqual([{ epoch: 'e1' }]);
  });

  it('enforces the invariants in the schema: one version per skill, one account per key', async () => {
    db = await open();
    await db.exec(`
      INSERT INTO users (username, skeleton, email, password_hash) VALUES ('ada', 'ada', 'a@x.org', 'h'), ('bob', 'bob', 'b@x.org', 'h');
      INSERT INTO skills (name, skeleton) VALUES ('demo', 'demo');
    `);
    const version = `INSERT INTO versions (skill_id, version, sha256, size, publisher_id, description, deps, keywords, files, published_at, response)
      VALUES (1, '1.0.0', $1, 10, 1, 'd', '{}', '{}', '[]', now(), '{}')`;
    await db.query(version, ['a'.repeat(64)]);
    await expect(db.query(version, ['b'.repeat(64)])).rejects.toThrow(/unique/i);
    await expect(
      db.query(
        "INSERT INTO users (username, skeleton, email, password_hash) VALUES ('ad-a', 'ada', 'c@x.org', 'h')",
      ),
    ).rejects.toThrow(/unique/i);
    const key = `INSERT INTO keys (fingerprint, user_id, armored, algorithm, key_created_at) VALUES ($1, $2, 'k', 'ed25519', now())`;
    await db.query(key, ['A'.repeat(40), 1]);
    await expect(db.query(key, ['A'.repeat(40), 2])).rejects.toThrow(/duplicate|unique/i);
  });

  it('delivers notifications to listeners', async () => {
    db = await open();
    const received: string[] = [];
    const stop = await db.listen('feed', (payload) => received.push(payload));
    await db.query("SELECT pg_notify('feed', '7')");
    for (let i = 0; i < 50 && received.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(received).toEqual(['7']);
  });
});
