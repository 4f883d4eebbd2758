import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIndexLine, serializeIndexLine } from '@skills/schema';
import { blobPath, signaturePath, writeDurably } from '../src/blobs.js';
import { indexLineOfRow } from '../src/manage/yank.js';
import { findSkill, findVersion } from '../src/publish/queries.js';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  auditActions,
  buildPackage,
  countRows,
  packExample,
  publish,
  signTarball,
  startPublishRegistry,
} from './publish-helpers.js';

describe.each(testDatabases)('publishing on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry?.close();
  });

  it('publishes an example: 201 with the server-computed body, rows, job, audit and blob', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await packExample('code-review');
    const before = await countRows(registry.db);
    const answer = await publish(registry, ada, tarball);
    expect(answer.status).toBe(201);
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    expect(answer.body).toEqual({
      name: 'code-review',
      version: '1.4.0',
      sha256,
      size: tarball.length,
      signer: ada.fingerprint,
      warnings: expect.any(Array),
      indexed: false,
    });
    expect(Object.keys(answer.body)).toEqual([
      'name',
      'version',
      'sha256',
      'size',
      'signer',
      'warnings',
      'indexed',
    ]);

    expect(await countRows(registry.db)).toEqual({
      skills: 1,
      versions: 1,
      owners: 1,
      skeletons: 1,
      version_keywords: 6,
      index_jobs: 1,
      audit_log: before.audit_log + 1,
    });
    expect((await auditActions(registry.db)).at(-1)).toBe('version.publish');
    expect(await readFile(blobPath(registry.ctx.paths.blobs, sha256))).toEqual(tarball);
    expect(await readFile(signaturePath(registry.ctx.paths.blobs, sha256), 'utf8')).toMatch(
      /BEGIN PGP SIGNATURE/,
    );

    const skill = (await findSkill(registry.db, 'code-review'))!;
    const row = (await findVersion(registry.db, skill.id, '1.4.0'))!;
    expect(row).toMatchObject({ sha256, size: tarball.length, signer: ada.fingerprint, yanked: false });
    expect(row.keywords).toContain('code-review');
  });

  it('wakes the index worker with NOTIFY index_jobs after the commit', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const heard: string[] = [];
    const stop = await registry.db.listen('index_jobs', (payload) => heard.push(payload));
    try {
      expect(
        (await publish(registry, ada, await buildPackage({ name: 'demo', version: '1.0.0' }))).status,
      ).toBe(201);
      await expect.poll(() => heard).toEqual(['demo']);
    } finally {
      await stop();
    }
  });

  it('answers the same bytes again with 200 and the original body, writing nothing', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await buildPackage({ name: 'demo', version: '1.0.0' });
    const first = await publish(registry, ada, tarball);
    expect(first.status).toBe(201);
    const before = await countRows(registry.db);
    const again = await publish(registry, ada, tarball); // a fresh signature, same key
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(Object.keys(again.body)).toEqual(Object.keys(first.body));
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('replaces a stale signature file left by an upload that never committed', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await buildPackage({ name: 'demo', version: '1.0.0' });
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    await writeDurably(signaturePath(registry.ctx.paths.blobs, sha256), Buffer.from('left over'), 'create');
    const signature = await signTarball(tarball, ada.key, registry.ctx.now());
    expect((await publish(registry, ada, tarball, { signature })).status).toBe(201);
    expect(await readFile(signaturePath(registry.ctx.paths.blobs, sha256), 'utf8')).toBe(signature);
  });

  it('accepts the signature as a file part too', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const answer = await publish(registry, ada, await buildPackage({ name: 'demo', version: '1.0.0' }), {
      signatureAsFile: true,
    });
    expect(answer.status).toBe(201);
  });

  it('ignores every client-sent field the server computes', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await buildPackage({ name: 'demo', version: '1.0.0' });
    // Four text fields at most (the signature is one): two requests carry the four names.
    const answer = await publish(registry, ada, tarball, {
      fields: { sha256: 'f'.repeat(64), owners: 'mallory', yanked: 'true' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.sha256).not.toBe('f'.repeat(64));
    const other = await buildPackage({ name: 'demo', version: '1.0.1' });
    const verified = await publish(registry, ada, other, {
      fields: { verified: 'true', signer: 'F'.repeat(40) },
    });
    expect(verified.status).toBe(201);
    expect(verified.body.signer).toBe(ada.fingerprint);
    const skill = (await findSkill(registry.db, 'demo'))!;
    const row = (await findVersion(registry.db, skill.id, '1.0.0'))!;
    expect(row.sha256).toBe(answer.body.sha256);
    expect(row.yanked).toBe(false);
    const { rows } = await registry.db.query<{ username: string }>(
      'SELECT u.username FROM owners o JOIN users u ON u.id = o.user_id',
    );
    expect(rows.map((r) => r.username)).toEqual(['ada']);
  });

  it('returns the validators warnings as {path, code, message}', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      skillMd: '---\nname: demo\ndescription: A demo.\n---\n',
    });
    const answer = await publish(registry, ada, tarball);
    expect(answer.status).toBe(201);
    expect(answer.body.warnings).toEqual([
      { path: 'SKILL.md', code: 'SKILL_MD_INVALID', message: expect.stringContaining('no instructions') },
    ]);
  });

  it('publishes new versions of a skill and keeps description, license and dependencies', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    expect(
      (await publish(registry, ada, await buildPackage({ name: 'base', version: '1.0.0' }))).status,
    ).toBe(201);
    const tarball = await buildPackage({
      name: 'demo',
      version: '2.0.0-beta.1',
      yaml: "description: From the manifest.\nlicense: MIT\ndependencies:\n  base: '^1.0.0'\nkeywords: [a, b]\n",
    });
    expect((await publish(registry, ada, tarball)).status).toBe(201);
    expect(
      (await publish(registry, ada, await buildPackage({ name: 'demo', version: '2.0.0' }))).status,
    ).toBe(201);
    const skill = (await findSkill(registry.db, 'demo'))!;
    const row = (await findVersion(registry.db, skill.id, '2.0.0-beta.1'))!;
    expect(row).toMatchObject({
      description: 'From the manifest.',
      license: 'MIT',
      deps: { base: '^1.0.0' },
    });
    expect(row.keywords).toEqual(['a', 'b']);
    expect((await countRows(registry.db)).index_jobs).toBe(3);
  });

  it('keeps a forged JSON line in skill.yaml inside one well-formed index line', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const forged = `x","yanked":true,"sha256":"${'0'.repeat(64)}"}\\u000a{"v":1,"name":"evil`;
    const tarball = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      yaml: `description: '${forged}'\nkeywords: [ok]\n`,
    });
    const answer = await publish(registry, ada, tarball);
    expect(answer.status).toBe(201);
    const skill = (await findSkill(registry.db, 'demo'))!;
    const row = (await findVersion(registry.db, skill.id, '1.0.0'))!;
    const bytes = serializeIndexLine(indexLineOfRow('demo', row));
    expect(bytes.includes(0x0a)).toBe(false);
    const line = parseIndexLine(bytes);
    expect(line).toMatchObject({
      name: 'demo',
      description: forged,
      yanked: false,
      sha256: answer.body.sha256,
    });
  });

  it('refuses a description with a newline, in skill.yaml or SKILL.md, storing nothing', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const before = await countRows(registry.db);
    const inYaml = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      yaml: 'description: "line one\\n{\\"v\\":1,\\"name\\":\\"evil\\"}"\n',
    });
    const answer = await publish(registry, ada, inYaml);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'manifest_invalid' });
    const inSkillMd = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      skillMd: '---\nname: demo\ndescription: |\n  line one\n  {"v":1}\n---\n\nbody\n',
    });
    expect((await publish(registry, ada, inSkillMd)).body).toMatchObject({
      status: 422,
      code: 'skill_md_invalid',
    });
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('refuses a version whose index line would pass 16 KiB', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    // Every field within its own cap; together more than a line may hold.
    const range = `>=1.0.0 <2.0.0 || >=3.0.0-alpha.${'9'.repeat(90)}`;
    const deps = Array.from({ length: 64 }, (_, i) => `  dep-${'x'.repeat(55)}-${i}: '${range}'`);
    const tarball = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      yaml: `description: '${'é'.repeat(1024)}'\ndependencies:\n${deps.join('\n')}\n`,
    });
    const before = await countRows(registry.db);
    const answer = await publish(registry, ada, tarball);
    expect(answer.body).toMatchObject({ status: 422, code: 'index_line_too_large' });
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('refuses manifests that disagree with SKILL.md, storing nothing', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const before = await countRows(registry.db);
    const otherName = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      skillMd: '---\nname: other\ndescription: Other.\n---\n\nbody\n',
    });
    const byName = await publish(registry, ada, otherName);
    expect(byName.body).toMatchObject({ status: 422, code: 'package_invalid' });
    expect(byName.body.issues).toEqual([
      expect.objectContaining({ path: 'skill.yaml:name', code: 'PACKAGE_INVALID' }),
    ]);
    const otherVersion = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      skillMd: '---\nname: demo\ndescription: Demo.\nversion: 2.0.0\n---\n\nbody\n',
    });
    expect((await publish(registry, ada, otherVersion)).body).toMatchObject({
      status: 422,
      code: 'skill_md_invalid',
    });
    const noDocs = await buildPackage({ name: 'demo', version: '1.0.0', files: { 'docs/usage.md': null } });
    expect((await publish(registry, ada, noDocs)).body).toMatchObject({
      status: 422,
      code: 'package_invalid',
    });
    const badTool = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      files: { '.skill/openai.json': '{"type":"x"}' },
    });
    expect((await publish(registry, ada, badTool)).body).toMatchObject({
      status: 422,
      code: 'package_invalid',
    });
    const unknownField = await buildPackage({ name: 'demo', version: '1.0.0', yaml: 'sha256: abc\n' });
    expect((await publish(registry, ada, unknownField)).body).toMatchObject({
      status: 422,
      code: 'manifest_invalid',
    });
    const badVersion = await buildPackage({ name: 'demo', version: 'v1.0' });
    expect((await publish(registry, ada, badVersion)).body).toMatchObject({
      status: 422,
      code: 'version_invalid',
    });
    expect(await countRows(registry.db)).toEqual(before);
  });

  it('accepts a valid .skill/openai.json', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tool = JSON.stringify({
      type: 'function',
      function: { name: 'demo', description: 'Does it.', parameters: { type: 'object', properties: {} } },
    });
    const tarball = await buildPackage({
      name: 'demo',
      version: '1.0.0',
      files: { '.skill/openai.json': tool },
    });
    expect((await publish(registry, ada, tarball)).status).toBe(201);
  });

  it('needs a credential and both fields', async () => {
    registry = await startPublishRegistry(database);
    const ada = await addPublisher(registry, 'ada');
    const tarball = await buildPackage({ name: 'demo', version: '1.0.0' });
    expect((await publish(registry, ada, tarball, { token: null })).body).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    const noSignature = new FormData();
    noSignature.append('tarball', new Blob([tarball]), 'a.tgz');
    const answer = await fetch(`${registry.url}/api/v1/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}` },
      body: noSignature,
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ code: 'invalid_upload' });
    const noTarball = new FormData();
    noTarball.append('signature', await signTarball(tarball, ada.key));
    const answer2 = await fetch(`${registry.url}/api/v1/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}` },
      body: noTarball,
    });
    expect(await answer2.json()).toMatchObject({ status: 400, code: 'invalid_upload' });
    const json = await fetch(`${registry.url}/api/v1/skills`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await json.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect((await countRows(registry.db)).versions).toBe(0);
  });
});
