import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../src/data-dir-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skills-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the data dir lock', () => {
  it('is held until released, then free again', async () => {
    const lock = await lockDataDir(dir);
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    lock.release();
    (await lockDataDir(dir)).release();
  });

  it('refuses while another live process holds it, naming the fix', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid }));
      await expect(lockDataDir(dir)).rejects.toThrow(/stop the server or use DATABASE_URL/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a lock whose process died with kill -9', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid }));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lock = await lockDataDir(dir);
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a lock file that is not readable as one', async () => {
    await writeFile(path.join(dir, LOCK_FILE), 'garbage');
    (await lockDataDir(dir)).release();
  });
});
