import { readFile } from 'node:fs/promises';
import { createMessage, readSignature, verify } from 'openpgp';
import { afterEach, describe, expect, it } from 'vitest';
import { signaturePath } from '../src/blobs.js';
import { testDatabases } from './databases.js';
import type { TestRegistry } from './harness.js';
import {
  addPublisher,
  auditActions,
  buildPackage,
  countRows,
  publish,
  startPublishRegistry,
  type Answer,
  type Publisher,
} from './publish-helpers.js';

interface Attempt {
  group: string;
  who: Publisher;
  tarball: Buffer;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(testDatabases)('50 publishes at once on $kind', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry?.close();
  });

  it('lands exactly one 201 per version; the others get 200 or 409 and write nothing', async () => {
    registry = await startPublishRegistry(database);
    const [ada, bob, cyd, eve, fay, gus, hal, ivy, jan, kim, lou] = await Promise.all(
      ['ada', 'bob', 'cyd', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jan', 'kim', 'lou'].map((name) =>
        addPublisher(registry, name),
      ),
    );
    // Existing skills: "base" (hal) and "dual" (ivy and jan own it).
    expect(
      (await publish(registry, hal!, await buildPackage({ name: 'base', version: '1.0.0' }))).status,
    ).toBe(201);
    expect(
      (await publish(registry, ivy!, await buildPackage({ name: 'dual', version: '0.1.0' }))).status,
    ).toBe(201);
    await registry.db.query(
      `INSERT INTO owners (skill_id, user_id) SELECT id, $1 FROM skills WHERE name = 'dual'`,
      [jan!.id],
    );
    const before = await countRows(registry.db);

    const same = await buildPackage({ name: 'same', version: '1.0.0' });
    const dual = await buildPackage({ name: 'dual', version: '1.0.0' });
    const attempts: Attempt[] = [
      // The same bytes 8 times, new name: one 201, seven 200.
      ...range(8).map(() => ({ group: 'same', who: ada!, tarball: same })),
      // 8 different tarballs for one new name@version: one 201, seven 409.
      ...(await Promise.all(
        range(8).map(async (i) => ({
          group: 'clash',
          who: bob!,
          tarball: await buildPackage({ name: 'clash', version: '1.0.0', description: `Variant ${i}.` }),
        })),
      )),
      // 8 versions of one new name, all at once: all 201.
      ...(await Promise.all(
        range(8).map(async (i) => ({
          group: 'many',
          who: cyd!,
          tarball: await buildPackage({ name: 'many', version: `1.0.${i}` }),
        })),
      )),
      // Two users race for one new name: one 201, one 403 not_owner.
      { group: 'contested', who: eve!, tarball: await buildPackage({ name: 'contested', version: '1.0.0' }) },
      {
        group: 'contested',
        who: fay!,
        tarball: await buildPackage({ name: 'contested', version: '1.0.0', description: 'Fay’s.' }),
      },
      // 8 new names: all 201.
      ...(await Promise.all(
        range(8).map(async (i) => ({
          group: 'fresh',
          who: gus!,
          tarball: await buildPackage({ name: `fresh-${'abcdefgh'[i]}`, version: '1.0.0' }),
        })),
      )),
      // Two users race for two look-alike names: one 201, one 403 name_confusable.
      { group: 'lookalike', who: kim!, tarball: await buildPackage({ name: 'model', version: '1.0.0' }) },
      { group: 'lookalike', who: lou!, tarball: await buildPackage({ name: 'rnodel', version: '1.0.0' }) },
      // 4 new versions of an existing skill: all 201.
      ...(await Promise.all(
        range(4).map(async (i) => ({
          group: 'base',
          who: hal!,
          tarball: await buildPackage({ name: 'base', version: `2.0.${i}` }),
        })),
      )),
      // Two owners publish the same bytes, each with their own key: one 201, same signer 200, other 409.
      ...range(10).map((i) => ({ group: 'dual', who: i % 2 === 0 ? ivy! : jan!, tarball: dual })),
    ];
    expect(attempts).toHaveLength(50);

    const answers: Answer[] = await Promise.all(attempts.map((a) => publish(registry, a.who, a.tarball)));
    const statuses = (group: string) =>
      answers
        .filter((_, i) => attempts[i]!.group === group)
        .map((answer) => answer.status)
        .sort();

    expect(statuses('same')).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(statuses('clash')).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(statuses('many')).toEqual(range(8).map(() => 201));
    expect(statuses('contested')).toEqual([201, 403]);
    expect(statuses('fresh')).toEqual(range(8).map(() => 201));
    expect(statuses('base')).toEqual(range(4).map(() => 201));
    expect(statuses('lookalike')).toEqual([201, 403]);
    expect(
      answers.filter((_, i) => attempts[i]!.group === 'lookalike').map((a) => a.body.code ?? 'ok'),
    ).toEqual(expect.arrayContaining(['ok', 'name_confusable']));
    const dualStatuses = statuses('dual');
    expect(dualStatuses.filter((s) => s === 201)).toHaveLength(1);
    expect(dualStatuses.filter((s) => s === 200)).toHaveLength(4);
    expect(dualStatuses.filter((s) => s === 409)).toHaveLength(5);

    // Every 200 carries the body of the 201 of its version.
    const sameBodies = answers.filter((_, i) => attempts[i]!.group === 'same').map((a) => a.body);
    for (const body of sameBodies) expect(body).toEqual(sameBodies[0]);

    const created = answers.filter((answer) => answer.status === 201).length;
    expect(created).toBe(1 + 1 + 8 + 1 + 1 + 8 + 4 + 1);
    const after = await countRows(registry.db);
    expect(after.versions - before.versions).toBe(created);
    expect(after.index_jobs - before.index_jobs).toBe(created);
    expect(after.skills - before.skills).toBe(1 + 1 + 1 + 1 + 1 + 8);
    expect(after.skeletons - before.skeletons).toBe(after.skills - before.skills);
    expect(after.owners - before.owners).toBe(after.skills - before.skills);
    expect((await auditActions(registry.db)).filter((a) => a === 'version.publish')).toHaveLength(
      created + 2,
    );

    // The stored signature of "dual" is the winner's, whoever wrote the file first.
    const winner = answers.find((answer, i) => attempts[i]!.group === 'dual' && answer.status === 201)!;
    const signer = [ivy!, jan!].find((p) => p.fingerprint === winner.body.signer)!;
    const armored = await readFile(
      signaturePath(registry.ctx.paths.blobs, winner.body.sha256 as string),
      'utf8',
    );
    const result = await verify({
      message: await createMessage({ binary: dual }),
      signature: await readSignature({ armoredSignature: armored }),
      verificationKeys: signer.key.toPublic(),
      expectSigned: true,
    });
    await expect(result.signatures[0]!.verified).resolves.toBe(true);
  });
});
