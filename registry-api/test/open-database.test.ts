import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-open-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('opens the embedded database under the data-dir lock, migrated, and keeps its data', async () => {
    const config = await loadConfig({ env: { SKILLS_DATA_DIR: dir } });
    const first = await openDatabase(config);
    await expect(openDatabase(config)).rejects.toThrow(/stop the server or use DATABASE_URL/);
    await first.db.query("INSERT INTO registry_state (id, epoch) VALUES (1, 'kept')");
    await first.close();
    const again = await openDatabase(config);
    expect((await again.db.query('SELECT epoch FROM registry_state')).rows).toEqual([{ epoch: 'kept' }]);
    await again.close();
  });
});
