import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pack } from '@skills/schema/archive';
import type { IndexLine } from '@skills/schema';
import { putBlob } from '../src/blobs.js';
import type { RegistryConfig } from '../src/config.js';
import {
  DISCOVERY_SCHEMA,
  readRoutes,
  startReadModel,
  type ReadModel,
  type ReadRoutesOptions,
} from '../src/read/index.js';
import { testDatabases, type TestDatabase } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';
import { FeedSeed, line } from './read-fixtures.js';

const PUBLIC = 'https://skills.example';

interface Started {
  registry: TestRegistry;
  seed: FeedSeed;
  model: ReadModel;
  stop(): Promise<void>;
}

async function start(
  database: TestDatabase,
  options: ReadRoutesOptions = {},
  config: Partial<RegistryConfig> = { publicUrl: `${PUBLIC}/` },
): Promise<Started> {
  let running: Awaited<ReturnType<typeof startReadModel>> | undefined;
  const registry = await startRegistry(database, {
    config,
    routers: async (ctx) => {
      running = await startReadModel(ctx, { pollMs: 3_600_000 });
      return [readRoutes(ctx, running.model, options)];
    },
  });
  const seed = await new FeedSeed(registry.db).start();
  return {
    registry,
    seed,
    model: running!.model,
    async stop() {
      await running!.stop();
      await registry.close();
    },
  };
}

async function get(
  registry: TestRegistry,
  url: string,
): Promise<{ status: number; body: unknown; response: Response }> {
  const response = await fetch(`${registry.url}${url}`);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? JSON.parse(text) : text, response };
}

/** A real archive of a skill, stored in the registry's blob store; returns its index line. */
async function storedArchive(
  registry: TestRegistry,
  name: string,
  version: string,
): Promise<{ line: IndexLine; files: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'skills-read-pkg-'));
  try {
    await writeFile(
      path.join(dir, 'SKILL.md'),
      `---\nname: ${name}\ndescription: Reads PDFs\n---\n# ${name}\n`,
    );
    await writeFile(path.join(dir, 'skill.yaml'), `name: ${name}\nversion: "${version}"\n`);
    await mkdir(path.join(dir, 'docs'));
    await writeFile(path.join(dir, 'docs', 'README.md'), '# Usage\n');
    await mkdir(path.join(dir, '.skill'));
    await writeFile(path.join(dir, '.skill', 'openai.json'), '{"type":"function"}\n');
    // One byte over what the discovery route serves from an archive.
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'assets', 'big.bin'), Buffer.alloc(1024 * 1024 + 1, 7));
    const packed = await pack(dir);
    await putBlob(registry.ctx.paths.blobs, packed.bytes);
    return {
      line: line(name, version, {
        sha256: packed.sha256,
        size: packed.size,
        description: 'Reads and writes PDF documents',
        keywords: ['pdf', 'documents'],
      }),
      files: packed.files.map((file) => file.path),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.each(testDatabases)('the read endpoints on $kind', (database) => {
  let started: Started;
  let registry: TestRegistry;
  let pdf: { line: IndexLine; files: string[] };

  beforeAll(async () => {
    started = await start(database, { gitCommit: async () => 'c0ffee' });
    registry = started.registry;
    const { seed } = started;
    await seed.skill('pdf-tools', ['bob', 'ada']);
    pdf = await storedArchive(registry, 'pdf-tools', '1.0.0');
    await seed.publish(pdf.line, { files: pdf.files }); // 1
    await seed.publish(line('pdf-tools', '1.1.0', { keywords: ['pdf'] })); // 2
    await seed.publish(line('pdf-tools', '2.0.0-beta.1')); // 3
    await seed.yank('pdf-tools', '1.1.0', 'broken'); // 4
    await seed.publish(
      line('code-review', '0.1.0', { keywords: ['review', 'pdf'], description: 'Reviews PDF code' }),
    ); // 5
    await seed.publish(line('old-thing', '1.0.0', { keywords: ['legacy'] })); // 6
    await seed.yank('old-thing', '1.0.0'); // 7
    await seed.publish(line('gone', '1.0.0')); // 8
    await seed.purge('gone', '1.0.0'); // 9
    await seed.publish(line('pdf-tools', '1.2.0', { keywords: ['pdf'] }), { indexed: false });
    await seed.publish(line('pending', '1.0.0'), { indexed: false });
    await started.model.refresh();
  });

  afterAll(async () => {
    await started.stop();
  });

  it('lists skills by name, each as its latest line, a page at a time', async () => {
    const all = await get(registry, '/api/v1/skills');
    expect(all.status).toBe(200);
    const body = all.body as { items: IndexLine[]; total: number };
    expect(body.total).toBe(3);
    expect(body.items.map((item) => `${item.name}@${item.version}`)).toEqual([
      'code-review@0.1.0',
      'old-thing@1.0.0',
      'pdf-tools@1.0.0',
    ]);
    expect(body.items[2]).toEqual(pdf.line);

    expect((await get(registry, '/api/v1/skills?per_page=1&page=2')).body).toMatchObject({
      items: [{ name: 'old-thing' }],
      total: 3,
    });
    expect((await get(registry, '/api/v1/skills?page=9')).body).toEqual({ items: [], total: 3 });
  });

  it.each([
    'page=0',
    'page=-1',
    'page=abc',
    'page=1&page=2',
    'page=1.5',
    'per_page=0',
    'per_page=101',
    'per_page=',
    'page=99999999999',
  ])('refuses bad pagination: %s', async (query) => {
    for (const route of ['/api/v1/skills', '/api/v1/tags', '/api/v1/search?q=pdf&']) {
      const separator = route.endsWith('&') ? '' : '?';
      const { status, body, response } = await get(registry, `${route}${separator}${query}`);
      expect(status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(body).toMatchObject({ code: 'invalid_query' });
    }
  });

  it('answers a skill with its versions, highest first, its latest line and its owners', async () => {
    const { status, body } = await get(registry, '/api/v1/skills/pdf-tools');
    expect(status).toBe(200);
    expect(body).toEqual({
      name: 'pdf-tools',
      latest: pdf.line,
      versions: [
        expect.objectContaining({ version: '2.0.0-beta.1', yanked: false }),
        {
          version: '1.1.0',
          yanked: true,
          yank_reason: 'broken',
          sha256: line('pdf-tools', '1.1.0').sha256,
          size: 1024,
          deps: {},
          published: '2026-01-10T09:00:00Z',
          signer: null,
        },
        expect.objectContaining({ version: '1.0.0', sha256: pdf.line.sha256 }),
      ],
      owners: ['ada', 'bob'],
    });
  });

  it('answers a skill whose first version is not indexed yet, and one with every version purged', async () => {
    expect((await get(registry, '/api/v1/skills/pending')).body).toEqual({
      name: 'pending',
      latest: null,
      versions: [],
      owners: ['ada'],
    });
    expect((await get(registry, '/api/v1/skills/gone')).body).toMatchObject({ latest: null, versions: [] });
  });

  it('answers 404 skill_not_found for a name nobody has, valid or not', async () => {
    for (const url of [
      '/api/v1/skills/nope',
      '/api/v1/skills/Bad_Name',
      '/api/v1/skills/nope/1.0.0',
      '/api/v1/skills/a..b/1.0.0',
    ]) {
      const { status, body } = await get(registry, url);
      expect(status, url).toBe(404);
      expect(body, url).toMatchObject({ code: 'skill_not_found' });
    }
  });

  it('answers an indexed version with its line, download URLs and the seq of its last feed line', async () => {
    const { status, body } = await get(registry, '/api/v1/skills/pdf-tools/1.0.0');
    expect(status).toBe(200);
    expect(body).toEqual({
      line: pdf.line,
      dl: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz`,
      sig: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz.asc`,
      indexed: true,
      seq: 1,
    });
    expect((await get(registry, '/api/v1/skills/pdf-tools/1.1.0')).body).toMatchObject({
      line: { yanked: true, yank_reason: 'broken' },
      indexed: true,
      seq: 4,
    });
  });

  it('answers a version the feed has not published yet from SQL, with indexed false', async () => {
    const { status, body } = await get(registry, '/api/v1/skills/pdf-tools/1.2.0');
    expect(status).toBe(200);
    expect(body).toEqual({
      line: line('pdf-tools', '1.2.0', { keywords: ['pdf'] }),
      dl: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.2.0.tgz`,
      sig: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.2.0.tgz.asc`,
      indexed: false,
      seq: null,
    });
    expect((await get(registry, '/api/v1/skills/pending/1.0.0')).body).toMatchObject({
      indexed: false,
      seq: null,
    });
  });

  it('answers 404 version_not_found for a version the skill does not have', async () => {
    for (const url of [
      '/api/v1/skills/pdf-tools/9.9.9',
      '/api/v1/skills/pdf-tools/not-a-version',
      '/api/v1/skills/gone/1.0.0',
    ]) {
      const { status, body } = await get(registry, url);
      expect(status, url).toBe(404);
      expect(body, url).toMatchObject({ code: 'version_not_found' });
    }
  });

  it('leaves literal segments such as owners to the routers that own them', async () => {
    const { status, body } = await get(registry, '/api/v1/skills/pdf-tools/owners');
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'not_found' });
  });

  it('searches the catalog, ranked, a page at a time', async () => {
    const { status, body } = await get(registry, '/api/v1/search?q=pdf');
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        { name: 'pdf-tools', version: '1.0.0', description: 'Reads and writes PDF documents', score: 560 },
        { name: 'code-review', version: '0.1.0', description: 'Reviews PDF code', score: 30 },
      ],
      total: 2,
    });
    expect((await get(registry, '/api/v1/search?q=PDF&per_page=1&page=2')).body).toMatchObject({
      items: [{ name: 'code-review' }],
      total: 2,
    });
    expect((await get(registry, '/api/v1/search?q=revew')).body).toMatchObject({
      items: [{ name: 'code-review' }],
    });
    // Every version yanked: not found.
    expect((await get(registry, '/api/v1/search?q=old-thing')).body).toEqual({ items: [], total: 0 });
    expect((await get(registry, '/api/v1/search?q=%21%21')).body).toEqual({ items: [], total: 0 });
  });

  it.each(['', '?q=', '?q=%20%20', `?q=${'a'.repeat(257)}`, '?q=a&q=b'])(
    'refuses the search query %s',
    async (query) => {
      const { status, body } = await get(registry, `/api/v1/search${query}`);
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'invalid_query' });
    },
  );

  it('counts keywords over the skills search finds', async () => {
    expect((await get(registry, '/api/v1/tags')).body).toEqual({
      items: [
        { keyword: 'pdf', count: 2 },
        { keyword: 'documents', count: 1 },
        { keyword: 'review', count: 1 },
      ],
      total: 3,
    });
    expect((await get(registry, '/api/v1/tags?per_page=2&page=2')).body).toEqual({
      items: [{ keyword: 'review', count: 1 }],
      total: 3,
    });
  });

  it('reports its health: database, feed head, git commit, pending jobs', async () => {
    expect((await get(registry, '/api/v1/health')).body).toEqual({
      ok: true,
      db: true,
      feed: { epoch: 'e1', seq: 9, broken_at: null },
      git_commit: 'c0ffee',
      pending_jobs: 0,
    });
    const skillId = await started.seed.skill('pending');
    await registry.db.query('INSERT INTO index_jobs (skill_id) VALUES ($1)', [skillId]);
    expect((await get(registry, '/api/v1/health')).body).toMatchObject({ pending_jobs: 1 });
    await registry.db.query('DELETE FROM index_jobs');
  });

  it('serves the discovery index of every skill search finds', async () => {
    const { status, body, response } = await get(registry, '/.well-known/agent-skills/index.json');
    expect(status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body as object)).toEqual(['$schema', 'skills']);
    expect(body).toEqual({
      $schema: DISCOVERY_SCHEMA,
      skills: [
        {
          name: 'code-review',
          description: 'Reviews PDF code',
          type: 'archive',
          url: `${PUBLIC}/dl/co/de/code-review/code-review-0.1.0.tgz`,
          digest: `sha256:${line('code-review', '0.1.0').sha256}`,
          files: ['SKILL.md', 'docs/README.md', 'skill.yaml'],
        },
        {
          name: 'pdf-tools',
          description: 'Reads and writes PDF documents',
          type: 'archive',
          url: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz`,
          digest: `sha256:${pdf.line.sha256}`,
          files: ['.skill/openai.json', 'SKILL.md', 'assets/big.bin', 'docs/README.md', 'skill.yaml'],
        },
      ],
    });
    expect(Object.keys((body as { skills: object[] }).skills[0]!)).toEqual([
      'name',
      'description',
      'type',
      'url',
      'digest',
      'files',
    ]);
  });

  it('serves every file of at most 1 MiB of a skill’s latest version from its archive', async () => {
    const docs = await get(registry, '/.well-known/agent-skills/pdf-tools/docs/README.md');
    expect(docs.status).toBe(200);
    expect(docs.body).toBe('# Usage\n');

    const skillMd = await get(registry, '/.well-known/agent-skills/pdf-tools/SKILL.md');
    expect(skillMd.status).toBe(200);
    expect(skillMd.body).toBe('---\nname: pdf-tools\ndescription: Reads PDFs\n---\n# pdf-tools\n');
    expect(skillMd.response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(skillMd.response.headers.get('x-content-type-options')).toBe('nosniff');

    const yaml = await get(registry, '/.well-known/agent-skills/pdf-tools/skill.yaml');
    expect(yaml.response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(yaml.body).toBe('name: pdf-tools\nversion: "1.0.0"\n');

    const tool = await get(registry, '/.well-known/agent-skills/pdf-tools/.skill/openai.json');
    expect(tool.status).toBe(200);
    expect(tool.response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('answers 404 for files it does not serve, files not in the archive and unknown skills', async () => {
    const cases: [string, string][] = [
      ['/.well-known/agent-skills/pdf-tools/assets/big.bin', 'file_not_served'],
      ['/.well-known/agent-skills/pdf-tools/nope.md', 'file_not_found'],
      ['/.well-known/agent-skills/pdf-tools/..%2F..%2Fetc%2Fpasswd', 'file_not_found'],
      ['/.well-known/agent-skills/nope/SKILL.md', 'skill_not_found'],
      ['/.well-known/agent-skills/old-thing/SKILL.md', 'skill_not_found'],
      ['/.well-known/agent-skills/gone/SKILL.md', 'skill_not_found'],
      ['/.well-known/agent-skills/Bad_Name/SKILL.md', 'skill_not_found'],
    ];
    for (const [url, code] of cases) {
      const { status, body } = await get(registry, url);
      expect(status, url).toBe(404);
      expect(body, url).toMatchObject({ code });
    }
    expect((await get(registry, cases[0]![0])).body).toMatchObject({
      url: `${PUBLIC}/dl/pd/f-/pdf-tools/pdf-tools-1.0.0.tgz`,
    });
  });
});

describe.each(testDatabases.slice(0, 1))('the read endpoints over time on $kind', (database) => {
  let started: Started | null = null;
  afterEach(async () => {
    await started?.stop();
    started = null;
  });

  it('regenerates the discovery index at most once a minute', async () => {
    started = await start(database);
    const { registry, seed, model } = started;
    const now = Date.parse('2026-02-01T10:00:00Z');
    registry.setNow(new Date(now));
    await seed.publish(line('alpha', '1.0.0'));
    await model.refresh();
    const names = async (): Promise<string[]> =>
      (
        (await get(registry, '/.well-known/agent-skills/index.json')).body as { skills: { name: string }[] }
      ).skills.map((skill) => skill.name);
    expect(await names()).toEqual(['alpha']);
    await seed.publish(line('beta', '1.0.0'));
    await model.refresh();
    registry.setNow(new Date(now + 59_000));
    expect(await names()).toEqual(['alpha']);
    registry.setNow(new Date(now + 61_000));
    expect(await names()).toEqual(['alpha', 'beta']);
    // Later, with nothing changed, the same bytes again.
    registry.setNow(new Date(now + 600_000));
    expect(await names()).toEqual(['alpha', 'beta']);
  });

  it('answers 503 when the feed table is broken, and reads the git commit of the index', async () => {
    started = await start(database, {}, {});
    const { registry, seed, model } = started;
    const gitAvailable = (() => {
      try {
        execFileSync('git', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    expect((await get(registry, '/api/v1/health')).body).toMatchObject({ ok: true, git_commit: null });
    if (gitAvailable) {
      const dir = registry.ctx.paths.index;
      await mkdir(dir, { recursive: true });
      const git = (...args: string[]): string =>
        execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
          encoding: 'utf8',
        }).trim();
      git('init', '-q', '-b', 'main');
      git('commit', '-q', '--allow-empty', '-m', 'first');
      expect((await get(registry, '/api/v1/health')).body).toMatchObject({
        git_commit: git('rev-parse', 'HEAD'),
      });
    } else {
      console.warn('git is not installed: the git commit of /health is checked only as null');
    }

    await seed.publish(line('alpha', '1.0.0'));
    await registry.db.query('UPDATE feed SET hash = $1', ['1'.repeat(64)]);
    await model.refresh();
    const { status, body } = await get(registry, '/api/v1/health');
    expect(status).toBe(503);
    expect(body).toMatchObject({ ok: false, db: true, feed: { epoch: 'e1', seq: 0, broken_at: 1 } });
  });

  it('derives download URLs from host and port without a public URL', async () => {
    started = await start(database, {}, { host: '127.0.0.1', port: 8123 });
    const { registry, seed, model } = started;
    await seed.publish(line('ab', '1.0.0'));
    await model.refresh();
    expect((await get(registry, '/api/v1/skills/ab/1.0.0')).body).toMatchObject({
      dl: 'http://127.0.0.1:8123/dl/2/ab/ab-1.0.0.tgz',
    });
  });
});
