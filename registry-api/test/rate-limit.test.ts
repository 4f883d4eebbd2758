import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { pruneRateBuckets, rateLimit, RATE_LIMITS, refund, take, type RateLimit } from '../src/rate-limit.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
/** 3 tokens, one regained every 10 seconds. */
const LIMIT: RateLimit = { burst: 3, perSecond: 0.1 };

describe('the default limits', () => {
  it('are the ones DESIGN §5 names', () => {
    expect(RATE_LIMITS.newName).toEqual({ burst: 10, perSecond: 1 / 60 });
    expect(RATE_LIMITS.newVersion).toEqual({ burst: 100, perSecond: 10 / 60 });
    expect(RATE_LIMITS.yank).toEqual({ burst: 30, perSecond: 1 / 60 });
    expect(RATE_LIMITS.keyRegistration).toEqual({ burst: 5, perSecond: 5 / 86400 });
    expect(RATE_LIMITS.failedLogin).toEqual({ burst: 10, perSecond: 10 / 900 });
    expect(RATE_LIMITS.authAttempt).toEqual({ burst: 30, perSecond: 30 / 60 });
    expect(RATE_LIMITS.signup).toEqual({ burst: 5, perSecond: 5 / 3600 });
  });
});

describe.each(testDatabases)('token buckets on $kind', (database) => {
  let db: Database;
  let registry: TestRegistry | undefined;
  afterEach(async () => {
    if (registry !== undefined) await registry.close();
    else await db.close();
    registry = undefined;
  });

  async function tokens(key: string): Promise<number | null> {
    const { rows } = await db.query<{ tokens: number }>('SELECT tokens FROM rate_buckets WHERE key = $1', [
      key,
    ]);
    return rows[0]?.tokens ?? null;
  }

  it('start full, spend one token per take, and refuse when empty with the wait until the next token', async () => {
    db = await database.open();
    expect(await take(db, 'k', LIMIT, T0)).toEqual({ ok: true, retryAfterSeconds: 0 });
    expect(await tokens('k')).toBe(2);
    expect((await take(db, 'k', LIMIT, T0)).ok).toBe(true);
    expect((await take(db, 'k', LIMIT, T0)).ok).toBe(true);
    expect(await take(db, 'k', LIMIT, T0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(await take(db, 'k', LIMIT, at(4))).toEqual({ ok: false, retryAfterSeconds: 6 });
    // A refusal changes nothing: the refill still counts from the last take.
    expect(await tokens('k')).toBe(0);
    expect(await take(db, 'k', LIMIT, at(10))).toEqual({ ok: true, retryAfterSeconds: 0 });
    expect(await tokens('k')).toBeCloseTo(0, 9);
  });

  it('refill in proportion to the time passed, never above the burst', async () => {
    db = await database.open();
    await take(db, 'k', LIMIT, T0, 3);
    expect(await take(db, 'k', LIMIT, at(25), 3)).toEqual({ ok: false, retryAfterSeconds: 5 });
    expect((await take(db, 'k', LIMIT, at(25), 2)).ok).toBe(true);
    expect(await tokens('k')).toBeCloseTo(0.5, 9);
    expect((await take(db, 'k', LIMIT, at(3600))).ok).toBe(true);
    expect(await tokens('k')).toBeCloseTo(2, 9);
  });

  it('keep buckets apart by key', async () => {
    db = await database.open();
    await take(db, 'a', LIMIT, T0, 3);
    expect((await take(db, 'a', LIMIT, T0)).ok).toBe(false);
    expect((await take(db, 'b', LIMIT, T0)).ok).toBe(true);
  });

  it('refill nothing when the clock goes backwards', async () => {
    db = await database.open();
    await take(db, 'k', LIMIT, at(100), 3);
    expect(await take(db, 'k', LIMIT, at(50))).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect((await take(db, 'k', LIMIT, at(109))).ok).toBe(false);
    expect((await take(db, 'k', LIMIT, at(110))).ok).toBe(true);
  });

  it('give refunded tokens back, up to the burst', async () => {
    db = await database.open();
    await take(db, 'k', LIMIT, T0, 3);
    await refund(db, 'k', LIMIT, T0);
    expect(await tokens('k')).toBe(1);
    await refund(db, 'k', LIMIT, T0, 10);
    expect(await tokens('k')).toBe(3);
    await refund(db, 'fresh', LIMIT, T0);
    expect(await tokens('fresh')).toBe(3);
  });

  it('refuse a cost no bucket can ever hold', async () => {
    db = await database.open();
    await expect(take(db, 'k', LIMIT, T0, 4)).rejects.toThrow(RangeError);
    expect(await tokens('k')).toBeNull();
  });

  it('never spend one token twice under concurrent takes', async () => {
    db = await database.open();
    const slow: RateLimit = { burst: 10, perSecond: 1e-9 };
    const results = await Promise.all(Array.from({ length: 40 }, () => take(db, 'race', slow, T0)));
    expect(results.filter((result) => result.ok)).toHaveLength(10);
    expect(await tokens('race')).toBeCloseTo(0, 6);
  });

  it('are pruned once idle', async () => {
    db = await database.open();
    await take(db, 'old', LIMIT, T0);
    await take(db, 'new', LIMIT, at(86400));
    expect(await pruneRateBuckets(db, at(3600))).toBe(1);
    const { rows } = await db.query<{ key: string }>('SELECT key FROM rate_buckets');
    expect(rows).toEqual([{ key: 'new' }]);
  });

  it('answer 429 rate_limited with Retry-After through the express helper', async () => {
    registry = await startRegistry(database, {
      routers: (ctx) => {
        const router = Router();
        router.get(
          '/probe/limited',
          rateLimit(ctx, { burst: 2, perSecond: 1 / 30 }, (req) =>
            req.query.skip === '1' ? null : `probe:ip:${req.ip}`,
          ),
          (_req, res) => {
            res.json({ ok: true });
          },
        );
        return [router];
      },
    });
    db = registry.db;
    registry.setNow(T0);
    const get = (query = '') => fetch(`${registry!.url}/probe/limited${query}`);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', retry_after: 30 });
    expect((await get('?skip=1')).status).toBe(200);
    registry.setNow(at(30));
    expect((await get()).status).toBe(200);
  });
});
