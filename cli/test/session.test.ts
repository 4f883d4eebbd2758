import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../src/session.js';
import { tempDir } from './helpers.js';

describe('Session.withLock', () => {
  it('is re-entrant within a command: code holding the lock may call code that takes it', async () => {
    const root = await tempDir();
    const session = new Session({ env: { HOME: root, SKILLS_HOME: path.join(root, '.skills') }, cwd: root });
    const order: string[] = [];
    await session.withLock(async () => {
      order.push('outer');
      await session.withLock(async () => {
        order.push('inner');
      });
      order.push('outer again');
    });
    // Released at the end: another session takes it at once.
    const other = new Session({ env: { HOME: root, SKILLS_HOME: path.join(root, '.skills') }, cwd: root });
    await other.withLock(async () => {
      order.push('other');
    });
    expect(order).toEqual(['outer', 'inner', 'outer again', 'other']);
  });
});
