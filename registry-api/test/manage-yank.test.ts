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
  startDemoRegistry,
  startPublishRegistry,
  type Publisher,
} from './publish-helpers.js';

const YANK = '/api/v1/skills/demo/1.0.0/yank';
const UNYANK = '/api/v1/skills/demo/1.0.0/unyank';

describe.each(testDatabases)('yank and unyank on $kind', (database) => {
  let registry: TestRegistry;
  let ada: Publisher;
  let bob: Publisher;
  afterEach(async () => {
    await registry?.close();
  });

  async function setUp(): Promise<void> {
    ({ registry, ada, bob } = await startDemoRegistry(database));
  }

  async function row() {
    const skill = (await findSkill(registry.db, 'demo'))!;
    return (await findVersion(registry.db, skill.id, '1.0.0'))!;
  }

  it('yanks with a reason and unyanks, each change one index job; repeats change nothing', async () => {
    await setUp();
    const jobs = await jobCount(registry.db);

    const yanked = await call(registry, 'DELETE', YANK, ada.token, { reason: 'broken on Windows' });
    expect(yanked.status).toBe(200);
    expect(yanked.body).toEqual({
      name: 'demo',
      version: '1.0.0',
      yanked: true,
      yank_reason: 'broken on Windows',
    });
    expect(await row()).toMatchObject({ yanked: true, yank_reason: 'broken on Windows' });
    expect(await jobCount(registry.db)).toBe(jobs + 1);

    const again = await call(registry, 'DELETE', YANK, ada.token, { reason: 'another reason' });
    expect(again.body).toEqual(yanked.body);
    expect(await jobCount(registry.db)).toBe(jobs + 1);

    const unyanked = await call(registry, 'PUT', UNYANK, ada.token);
    expect(unyanked.body).toEqual({ name: 'demo', version: '1.0.0', yanked: false, yank_reason: null });
    expect(await row()).toMatchObject({ yanked: false, yank_reason: null });
    expect(await jobCount(registry.db)).toBe(jobs + 2);
    expect((await call(registry, 'PUT', UNYANK, ada.token)).status).toBe(200);
    expect(await jobCount(registry.db)).toBe(jobs + 2);

    // No body, or an empty one, is a yank without a reason; a session may yank too.
    const session = await ada.session();
    expect((await call(registry, 'DELETE', YANK, session)).body).toMatchObject({
      yanked: true,
      yank_reason: null,
    });
    expect((await auditActions(registry.db)).filter((a) => a.startsWith('version.'))).toEqual([
      'version.publish',
      'version.yank',
      'version.unyank',
      'version.yank',
    ]);
  });

  it('keeps the version number taken after a yank', async () => {
    await setUp();
    await call(registry, 'DELETE', YANK, ada.token);
    const other = await buildPackage({ name: 'demo', version: '1.0.0', description: 'Other bytes.' });
    expect((await publish(registry, ada, other)).body).toMatchObject({ status: 409, code: 'version_exists' });
  });

  it('refuses other users, missing scopes, bad reasons and unknown targets, changing nothing', async () => {
    await setUp();
    const before = await countRows(registry.db);
    const noYank = await ada.tokenWith(['publish-new', 'publish-update', 'owners']);
    const otherSkill = await ada.tokenWith(['yank'], ['other-*']);
    const cases: [string, string, string, unknown, number, string][] = [
      ['DELETE', YANK, bob.token, undefined, 403, 'not_owner'],
      ['PUT', UNYANK, bob.token, undefined, 403, 'not_owner'],
      ['DELETE', YANK, noYank, undefined, 403, 'insufficient_scope'],
      ['DELETE', YANK, otherSkill, undefined, 403, 'insufficient_scope'],
      ['PUT', UNYANK, otherSkill, undefined, 403, 'insufficient_scope'],
      ['DELETE', YANK, ada.token, { reason: 'x'.repeat(1025) }, 400, 'invalid_body'],
      ['DELETE', YANK, ada.token, { reason: 'two\nlines' }, 400, 'invalid_body'],
      ['DELETE', YANK, ada.token, { reason: 7 }, 400, 'invalid_body'],
      ['DELETE', YANK, ada.token, { reason: 'ok', yanked: false }, 400, 'invalid_body'],
      ['DELETE', YANK, ada.token, ['reason'], 400, 'invalid_body'],
      ['DELETE', '/api/v1/skills/nope/1.0.0/yank', ada.token, undefined, 404, 'skill_not_found'],
      ['DELETE', '/api/v1/skills/Bad%20Name/1.0.0/yank', ada.token, undefined, 404, 'skill_not_found'],
      ['DELETE', '/api/v1/skills/demo/9.9.9/yank', ada.token, undefined, 404, 'version_not_found'],
      ['DELETE', '/api/v1/skills/demo/v1/yank', ada.token, undefined, 404, 'version_not_found'],
      ['DELETE', YANK, 'skl_nonsense', undefined, 401, 'invalid_credential'],
    ];
    for (const [method, path, token, body, status, code] of cases) {
      const answer = await call(registry, method, path, token, body);
      expect(answer.body, `${method} ${path} ${JSON.stringify(body)}`).toMatchObject({ status, code });
    }
    expect((await call(registry, 'DELETE', YANK, null)).body).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    // Bob may not unyank Ada's yanked version either.
    await call(registry, 'DELETE', YANK, ada.token);
    const yankedCounts = await countRows(registry.db);
    expect((await call(registry, 'PUT', UNYANK, bob.token)).body).toMatchObject({
      status: 403,
      code: 'not_owner',
    });
    expect(await countRows(registry.db)).toEqual(yankedCounts);
    expect(yankedCounts.index_jobs).toBe(before.index_jobs + 1);
    expect(await row()).toMatchObject({ yanked: true });
  });

  it('limits yanks and unyanks per user: 429 with Retry-After', async () => {
    await setUp();
    await registry.db.query('INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, 0, $2)', [
      `yank:user:${ada.id}`,
      registry.ctx.now(),
    ]);
    const before = await countRows(registry.db);
    const answer = await call(registry, 'DELETE', YANK, ada.token);
    expect(answer.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await countRows(registry.db)).toEqual(before);
    expect(await row()).toMatchObject({ yanked: false });
  });

  it('spends one token per real change out of a burst of 30', async () => {
    await setUp();
    for (let i = 0; i < 15; i += 1) {
      expect((await call(registry, 'DELETE', YANK, ada.token)).status).toBe(200);
      expect((await call(registry, 'DELETE', YANK, ada.token)).status).toBe(200); // no change: free
      expect((await call(registry, 'PUT', UNYANK, ada.token)).status).toBe(200);
    }
    expect((await call(registry, 'DELETE', YANK, ada.token)).body).toMatchObject({ status: 429 });
  });

  it('refuses a reason that would push the index line past 16 KiB', async () => {
    registry = await startPublishRegistry(database);
    ada = await addPublisher(registry, 'ada');
    const range = `>=1.0.0 <2.0.0 || >=3.0.0-alpha.${'9'.repeat(60)}`;
    const deps = Array.from({ length: 64 }, (_, i) => `  dep-${'x'.repeat(40)}-${i}: '${range}'`);
    const tarball = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      yaml: `description: '${'é'.repeat(700)}'\ndependencies:\n${deps.join('\n')}\n`,
    });
    expect((await publish(registry, ada, tarball)).status).toBe(201);
    const before = await countRows(registry.db);
    const answer = await call(registry, 'DELETE', YANK, ada.token, { reason: 'ü'.repeat(1024) });
    expect(answer.body).toMatchObject({ status: 422, code: 'index_line_too_large' });
    expect(await countRows(registry.db)).toEqual(before);
    expect((await call(registry, 'DELETE', YANK, ada.token, { reason: 'short' })).status).toBe(200);
  });
});
