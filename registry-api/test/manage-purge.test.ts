import { afterEach, describe, expect, it } from 'vitest';
import { findSkill, findVersion } from '../src/publish/queries.js';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  auditActions,
  buildPackage,
  call,
  countRows,
  jobCount,
  publish,
  startPublishRegistry,
  type Publisher,
} from './publish-helpers.js';

const HOUR = 60 * 60 * 1000;

describe.each(testDatabases)('purge on $kind', (database) => {
  let registry: TestRegistry;
  let ada: Publisher;
  let bob: Publisher;
  afterEach(async () => {
    await registry?.close();
  });

  async function setUp(): Promise<void> {
    registry = await startPublishRegistry(database);
    ada = await addPublisher(registry, 'ada');
    bob = await addPublisher(registry, 'bob');
  }

  async function put(who: Publisher, name: string, version: string, yaml = ''): Promise<Buffer> {
    const tarball = await buildPackage({ name, version, yaml });
    const answer = await publish(registry, who, tarball);
    expect(answer.status, `${name}@${version}`).toBe(201);
    return tarball;
  }

  async function purgedAt(name: string, version: string): Promise<Date | null> {
    const skill = (await findSkill(registry.db, name))!;
    return (await findVersion(registry.db, skill.id, version))!.purged_at;
  }

  it('lets an owner purge a fresh version; the number stays taken forever', async () => {
    await setUp();
    const tarball = await put(ada, 'demo', '1.0.0');
    const jobs = await jobCount(registry.db);
    const answer = await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0', ada.token);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ name: 'demo', version: '1.0.0', purged: true });
    expect(await purgedAt('demo', '1.0.0')).toBeInstanceOf(Date);
    expect(await jobCount(registry.db)).toBe(jobs + 1);
    expect((await auditActions(registry.db)).at(-1)).toBe('version.purge');

    // Again: nothing more happens.
    expect((await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0', ada.token)).status).toBe(200);
    expect(await jobCount(registry.db)).toBe(jobs + 1);
    // Gone for yanking; taken for publishing, with other bytes and with the same.
    expect((await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0/yank', ada.token)).body).toMatchObject({
      status: 404,
      code: 'version_not_found',
    });
    const other = await buildPackage({ name: 'demo', version: '1.0.0', description: 'Other.' });
    expect((await publish(registry, ada, other)).body).toMatchObject({ status: 409, code: 'version_exists' });
    expect((await publish(registry, ada, tarball)).body).toMatchObject({
      status: 409,
      code: 'version_exists',
    });
  });

  it('refuses owners after 72 hours, but lets an administrator purge with a reason', async () => {
    await setUp();
    const root = await addPublisher(registry, 'root-admin', { isAdmin: true });
    await put(ada, 'demo', '1.0.0');
    registry.setNow(new Date(Date.now() + 73 * HOUR));
    const before = await countRows(registry.db);
    expect((await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0', ada.token)).body).toMatchObject({
      status: 409,
      code: 'purge_window_passed',
    });
    expect((await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0', root.token)).body).toMatchObject({
      status: 400,
      code: 'reason_required',
    });
    expect(await countRows(registry.db)).toEqual(before);
    const answer = await call(registry, 'DELETE', '/api/v1/skills/demo/1.0.0', root.token, {
      reason: 'malware',
    });
    expect(answer.status).toBe(200);
    const { rows } = await registry.db.query<{ purge_reason: string }>('SELECT purge_reason FROM versions');
    expect(rows[0]!.purge_reason).toBe('malware');
    const audit = await registry.db.query<{ actor_id: number; detail: Record<string, unknown> }>(
      "SELECT actor_id, detail FROM audit_log WHERE action = 'version.purge'",
    );
    expect(audit.rows[0]).toMatchObject({ actor_id: root.id, detail: { reason: 'malware', as_admin: true } });
  });

  it('refuses a purge that would leave a dependent with nothing to resolve to', async () => {
    await setUp();
    await put(ada, 'lib', '1.0.0');
    await put(ada, 'lib', '2.0.0');
    await put(bob, 'app', '1.0.0', "dependencies:\n  lib: '^2.0.0'\n");
    await put(bob, 'tool', '1.0.0', "dependencies:\n  lib: '>=1.0.0'\n");
    const before = await countRows(registry.db);

    const refused = await call(registry, 'DELETE', '/api/v1/skills/lib/2.0.0', ada.token);
    expect(refused.body).toMatchObject({
      status: 409,
      code: 'has_dependents',
      dependents: [{ name: 'app', version: '1.0.0', range: '^2.0.0' }],
    });
    expect(await countRows(registry.db)).toEqual(before);

    // A yanked alternative does not count: 2.1.0 yanked still leaves app depending on 2.0.0 alone.
    await put(ada, 'lib', '2.1.0');
    await call(registry, 'DELETE', '/api/v1/skills/lib/2.1.0/yank', ada.token);
    expect((await call(registry, 'DELETE', '/api/v1/skills/lib/2.0.0', ada.token)).body).toMatchObject({
      code: 'has_dependents',
    });
    // Unyanked, 2.1.0 satisfies ^2.0.0 too: 2.0.0 may go.
    await call(registry, 'PUT', '/api/v1/skills/lib/2.1.0/unyank', ada.token);
    expect((await call(registry, 'DELETE', '/api/v1/skills/lib/2.0.0', ada.token)).status).toBe(200);
    // tool (>=1.0.0) still has 2.1.0: 1.0.0 may go.
    expect((await call(registry, 'DELETE', '/api/v1/skills/lib/1.0.0', ada.token)).status).toBe(200);
    // A yanked dependent still counts (a lock file installs it); a purged one does not.
    await call(registry, 'DELETE', '/api/v1/skills/app/1.0.0/yank', bob.token);
    expect((await call(registry, 'DELETE', '/api/v1/skills/lib/2.1.0', ada.token)).body).toMatchObject({
      code: 'has_dependents',
    });
    await call(registry, 'DELETE', '/api/v1/skills/app/1.0.0', bob.token);
    await call(registry, 'DELETE', '/api/v1/skills/tool/1.0.0', bob.token);
    expect((await call(registry, 'DELETE', '/api/v1/skills/lib/2.1.0', ada.token)).status).toBe(200);
  });

  it('refuses other users, tokens without the yank scope and bad reasons', async () => {
    await setUp();
    await put(ada, 'demo', '1.0.0');
    const noYank = await ada.tokenWith(['publish-update', 'owners']);
    const before = await countRows(registry.db);
    const path = '/api/v1/skills/demo/1.0.0';
    expect((await call(registry, 'DELETE', path, bob.token)).body).toMatchObject({
      status: 403,
      code: 'not_owner',
    });
    expect((await call(registry, 'DELETE', path, noYank)).body).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
    expect((await call(registry, 'DELETE', path, ada.token, { reason: 'a\u0000b' })).body).toMatchObject({
      status: 400,
      code: 'invalid_body',
    });
    expect((await call(registry, 'DELETE', '/api/v1/skills/demo/2.0.0', ada.token)).body).toMatchObject({
      status: 404,
      code: 'version_not_found',
    });
    expect((await call(registry, 'DELETE', '/api/v1/skills/nope/1.0.0', ada.token)).body).toMatchObject({
      status: 404,
      code: 'skill_not_found',
    });
    expect(await countRows(registry.db)).toEqual(before);
    expect(await purgedAt('demo', '1.0.0')).toBeNull();
  });
});
