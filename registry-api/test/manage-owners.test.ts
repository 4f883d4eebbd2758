import { afterEach, describe, expect, it } from 'vitest';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  auditActions,
  buildPackage,
  call,
  countRows,
  publish,
  startDemoRegistry,
  type Publisher,
} from './publish-helpers.js';

const OWNERS = '/api/v1/skills/demo/owners';

describe.each(testDatabases)('owners on $kind', (database) => {
  let registry: TestRegistry;
  let ada: Publisher;
  let bob: Publisher;
  afterEach(async () => {
    await registry?.close();
  });

  async function setUp(): Promise<void> {
    ({ registry, ada, bob } = await startDemoRegistry(database));
  }

  it('lists, adds and removes owners; the last owner stays', async () => {
    await setUp();
    expect((await call(registry, 'GET', OWNERS, null)).body).toEqual({ items: ['ada'], total: 1 });

    const added = await call(registry, 'PUT', OWNERS, ada.token, { username: 'bob' });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ items: ['ada', 'bob'], total: 2 });
    const again = await call(registry, 'PUT', OWNERS, ada.token, { username: 'bob' });
    expect(again.body).toEqual(added.body);
    expect((await auditActions(registry.db)).filter((a) => a.startsWith('owner.'))).toEqual(['owner.add']);

    // Bob, now an owner, publishes and removes Ada.
    expect(
      (await publish(registry, bob, await buildPackage({ name: 'demo', version: '1.1.0' }))).status,
    ).toBe(201);
    const removed = await call(registry, 'DELETE', OWNERS, bob.token, { username: 'ada' });
    expect(removed.body).toEqual({ items: ['bob'], total: 1 });
    expect((await call(registry, 'DELETE', OWNERS, bob.token, { username: 'ada' })).body).toEqual(
      removed.body,
    );

    const before = await countRows(registry.db);
    expect((await call(registry, 'DELETE', OWNERS, bob.token, { username: 'bob' })).body).toMatchObject({
      status: 409,
      code: 'last_owner',
    });
    expect(await countRows(registry.db)).toEqual(before);
    expect((await auditActions(registry.db)).filter((a) => a.startsWith('owner.'))).toEqual([
      'owner.add',
      'owner.remove',
    ]);
    // Ada lost the right to publish.
    expect(
      (await publish(registry, ada, await buildPackage({ name: 'demo', version: '1.2.0' }))).body,
    ).toMatchObject({ status: 403, code: 'not_owner' });
  });

  it('refuses other users, tokens without the owners scope, unknown users and bad bodies', async () => {
    await setUp();
    const cyd = await addPublisher(registry, 'cyd');
    const noOwners = await ada.tokenWith(['publish-update', 'yank']);
    const before = await countRows(registry.db);
    const cases: [string, string, string | null, unknown, number, string][] = [
      ['PUT', OWNERS, bob.token, { username: 'bob' }, 403, 'not_owner'],
      ['PUT', OWNERS, cyd.token, { username: 'bob' }, 403, 'not_owner'],
      ['DELETE', OWNERS, bob.token, { username: 'ada' }, 403, 'not_owner'],
      ['PUT', OWNERS, noOwners, { username: 'bob' }, 403, 'insufficient_scope'],
      ['PUT', OWNERS, null, { username: 'bob' }, 401, 'unauthorized'],
      ['PUT', OWNERS, ada.token, { username: 'nobody' }, 404, 'user_not_found'],
      ['PUT', OWNERS, ada.token, {}, 400, 'invalid_body'],
      ['PUT', OWNERS, ada.token, { username: 'bob', role: 'admin' }, 400, 'invalid_body'],
      ['PUT', OWNERS, ada.token, { username: 42 }, 400, 'invalid_body'],
      ['PUT', '/api/v1/skills/nope/owners', ada.token, { username: 'bob' }, 404, 'skill_not_found'],
      ['GET', '/api/v1/skills/nope/owners', null, undefined, 404, 'skill_not_found'],
      ['GET', '/api/v1/skills/NOPE/owners', null, undefined, 404, 'skill_not_found'],
    ];
    for (const [method, path, token, body, status, code] of cases) {
      const answer = await call(registry, method, path, token, body);
      expect(answer.body, `${method} ${path} ${JSON.stringify(body)}`).toMatchObject({ status, code });
    }
    expect(await countRows(registry.db)).toEqual(before);
    expect((await call(registry, 'GET', OWNERS, null)).body).toEqual({ items: ['ada'], total: 1 });
  });

  it('lets an administrator reassign a name', async () => {
    await setUp();
    const root = await addPublisher(registry, 'root-admin', { isAdmin: true });
    expect((await call(registry, 'PUT', OWNERS, root.token, { username: 'bob' })).status).toBe(200);
    const answer = await call(registry, 'DELETE', OWNERS, root.token, { username: 'ada' });
    expect(answer.body).toEqual({ items: ['bob'], total: 1 });
  });
});
