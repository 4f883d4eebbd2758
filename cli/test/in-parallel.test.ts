import { describe, expect, it } from 'vitest';
import { inParallel } from '../src/install/in-parallel.js';

const tick = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('inParallel', () => {
  it('keeps the items order, whatever order the work ends in, and runs at most `limit` at once', async () => {
    let running = 0;
    let most = 0;
    const results = await inParallel([30, 5, 20, 1, 10], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await tick(ms);
      running--;
      return ms * 2;
    });
    expect(results).toEqual([60, 10, 40, 2, 20]);
    expect(most).toBe(2);
  });

  it('throws the first failing item in order, only after every started task ended', async () => {
    const ended: number[] = [];
    const error = await inParallel([1, 2, 3, 4], 4, async (n) => {
      await tick(n === 3 ? 1 : 20);
      ended.push(n);
      if (n === 2 || n === 3) throw new Error(`failed ${n}`);
      return n;
    }).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toBe('failed 2');
    expect(ended.sort()).toEqual([1, 2, 3, 4]);
  });

  it('resolves an empty list at once', async () => {
    expect(await inParallel([], 8, async () => 1)).toEqual([]);
  });
});
