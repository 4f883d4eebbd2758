import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { link, mkdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { SkillsError } from '@skills/schema';

/** What the lock file holds: who took it, and a token so a takeover can tell one lock from another. */
interface LockBody {
  pid: number;
  host: string;
  token: string;
  at: string;
}

export interface HomeLock {
  /** Releases the lock (only if it is still ours); idempotent. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for another process to finish, in ms (default 120 s). */
  timeoutMs?: number;
  /** Called once when the lock is busy, so the command can say it is waiting. */
  onWait?: (holder: { pid: number }) => void;
}

/**
 * Takes the home's lock, waiting while another live `skills` process holds it: concurrent
 * installs into one home queue instead of failing or corrupting it. A lock whose process is gone
 * (killed with -9, or a crash) is stale and taken over. Commands that only read never lock: every
 * file is replaced by rename, so a reader sees a whole old or a whole new file.
 */
export async function lockHome(file: string, options: LockOptions = {}): Promise<HomeLock> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const body: LockBody = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(12).toString('hex'),
    at: new Date().toISOString(),
  };
  await mkdir(path.dirname(file), { recursive: true });
  let warned = false;
  for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
    if (tryCreate(file, body)) return ownLock(file, body.token);
    const holder = readHolder(file);
    if (holder === null || isStale(holder)) {
      await breakStale(file, holder);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new SkillsError(
        'HOME_LOCKED',
        `another skills process (pid ${holder.pid}) has been using ${path.dirname(file)} for over ${Math.round(timeoutMs / 1000)} s`,
        { hint: `wait for it to finish, or stop process ${holder.pid} if it hangs` },
      );
    }
    if (!warned) {
      warned = true;
      options.onWait?.({ pid: holder.pid });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

// Taking, reading and releasing the lock file are synchronous: each is one small system call that
// every writing command makes, and a thread-pool round trip apiece cost more than the calls.

function tryCreate(file: string, body: LockBody): boolean {
  try {
    const fd = openSync(file, 'wx', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(body)}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readHolder(file: string): LockBody | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockBody>;
    if (typeof parsed.pid === 'number' && typeof parsed.token === 'string' && typeof parsed.host === 'string')
      return parsed as LockBody;
    return null;
  } catch (error) {
    // Gone meanwhile: the caller simply tries again. Half-written: its writer is between open and write.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return null;
  }
}

/** A lock from this host whose process is gone. Locks from other hosts are never judged stale. */
function isStale(holder: LockBody): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * Removes a stale (or unreadable) lock. It is first renamed aside, which only one process can do,
 * and checked: if what was moved is not the stale lock (someone took the lock in between), it is
 * put back with link(2), which never overwrites.
 */
async function breakStale(file: string, stale: LockBody | null): Promise<void> {
  if (stale === null) {
    // Unreadable: give a writer between open and write a moment, then judge it again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = readHolder(file);
    if (again !== null) return;
  }
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved !== null && stale !== null && moved.token !== stale.token && !isStale(moved)) {
    await link(aside, file).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

function ownLock(file: string, token: string): HomeLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      const holder = readHolder(file);
      if (holder?.token === token) rmSync(file, { force: true });
    },
  };
}

/** Runs `fn` holding the home's lock. */
export async function withHomeLock<T>(
  file: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = await lockHome(file, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
