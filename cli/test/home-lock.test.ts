import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockHome, withHomeLock } from '../src/home/lock.js';
import { tempDir } from './helpers.js';

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the home lock', () => {
  it('queues a second holder until the first releases', async () => {
    const file = path.join(await tempDir(), '.lock');
    const order: string[] = [];
    const first = await lockHome(file);
    let waited = false;
    const second = withHomeLock(
      file,
      async () => {
        order.push('second');
      },
      { onWait: () => (waited = true) },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push('first done');
    await first.release();
    await second;
    expect(order).toEqual(['first done', 'second']);
    expect(waited).toBe(true);
  });

  it('takes over a lock whose process is gone (kill -9)', async () => {
    const file = path.join(await tempDir(), '.lock');
    const stale = { pid: await deadPid(), host: hostname(), token: 'old', at: new Date().toISOString() };
    await writeFile(file, JSON.stringify(stale));
    const lock = await lockHome(file, { timeoutMs: 2000 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(readFile(file)).rejects.toThrow();
  });

  it('gives up with HOME_LOCKED naming the holder when a live process keeps it too long', async () => {
    const file = path.join(await tempDir(), '.lock');
    const live = { pid: process.ppid, host: hostname(), token: 'other', at: new Date().toISOString() };
    await writeFile(file, JSON.stringify(live));
    await expect(lockHome(file, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'HOME_LOCKED',
      message: expect.stringContaining(`pid ${process.ppid}`),
    });
  });

  it('never releases a lock that another holder has taken over', async () => {
    const file = path.join(await tempDir(), '.lock');
    const lock = await lockHome(file);
    await writeFile(file, JSON.stringify({ pid: process.ppid, host: hostname(), token: 'theirs', at: '' }));
    await lock.release();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ token: 'theirs' });
  });
});
