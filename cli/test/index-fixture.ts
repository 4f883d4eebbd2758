import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMessage, generateKey, readPrivateKey, sign } from 'openpgp';
import { appendFeed, initIndex, writeSnapshot } from '@skills/index-builder';
import {
  applyFeedLine,
  buildFeedLine,
  chainHash,
  SEGMENT_LINES,
  segmentPath,
  FEED_HEAD_PATH,
  GENESIS_HASH,
  parseFeedHead,
  serializeFeedHead,
  type FeedHead,
  type FeedOp,
  type IndexLine,
} from '@skills/schema';
import { tempDir } from './helpers.js';
import { serveStatic, type StaticServer, type StaticServerOptions } from './static-server.js';

/** An OpenPGP key that signs like the registry's (ed25519Legacy, binary detached signatures). */
export interface TestKey {
  fingerprint: string;
  publicArmored: string;
  sign(bytes: Uint8Array): Promise<string>;
}

export async function testKey(name = 'test registry'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name }],
    format: 'armored',
  });
  const key = await readPrivateKey({ armoredKey: privateKey });
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicArmored: publicKey,
    async sign(bytes) {
      return (await sign({
        message: await createMessage({ binary: bytes }),
        signingKeys: key,
        detached: true,
        format: 'armored',
      })) as string;
    },
  };
}

/** A static host on loopback serving whichever index is put there, at `<url>index/`. */
export class Site {
  private constructor(
    readonly root: string,
    readonly server: StaticServer,
  ) {}

  static async start(options: StaticServerOptions = {}): Promise<Site> {
    const root = await tempDir();
    return new Site(root, await serveStatic(root, options));
  }

  /** The index root URL (what config.json's `url` is). */
  get url(): string {
    return `${this.server.url}index/`;
  }

  get dir(): string {
    return path.join(this.root, 'index');
  }

  /** Serves a copy of an index's work tree (without .git), replacing what was served. */
  async serve(from: IndexBuild): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await cp(from.dir, this.dir, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  }

  async read(file: string): Promise<Buffer> {
    return readFile(path.join(this.dir, file));
  }

  async write(file: string, bytes: string | Uint8Array): Promise<void> {
    await writeFile(path.join(this.dir, file), bytes);
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.dir, file), { force: true });
  }

  /** Rewrites head.json, signed by `key` (or unsigned with null). */
  async writeHead(head: FeedHead, key: TestKey | null): Promise<void> {
    const bytes = serializeFeedHead(head);
    await this.write(FEED_HEAD_PATH, bytes);
    if (key === null) await this.remove(`${FEED_HEAD_PATH}.asc`);
    else await this.write(`${FEED_HEAD_PATH}.asc`, await key.sign(bytes));
  }

  async head(): Promise<FeedHead> {
    return parseFeedHead(await this.read(FEED_HEAD_PATH));
  }

  /**
   * Serves feed lines given as exact bytes (hand-made ones a registry would never write): the
   * segment files and a head at their end, signed by `key`.
   */
  async writeFeed(epoch: string, lines: readonly Buffer[], key: TestKey | null): Promise<void> {
    let hash = GENESIS_HASH;
    for (const line of lines) hash = chainHash(hash, line);
    const segments = Math.max(1, Math.ceil(lines.length / SEGMENT_LINES));
    let offset = 0;
    for (let segment = 0; segment < segments; segment++) {
      const part = lines.slice(segment * SEGMENT_LINES, (segment + 1) * SEGMENT_LINES);
      const bytes = Buffer.concat(part.flatMap((line) => [line, Buffer.from('\n')]));
      await mkdir(path.dirname(path.join(this.dir, segmentPath(epoch, segment))), { recursive: true });
      await this.write(segmentPath(epoch, segment), bytes);
      offset = bytes.length;
    }
    await this.writeHead(
      {
        format: 1,
        epoch,
        seq: lines.length,
        segment: segments - 1,
        offset,
        hash,
        snapshot: null,
        time: '2026-01-02T00:00:00Z',
        expires: null,
      },
      key,
    );
  }
}

export interface Change {
  op: FeedOp;
  name: string;
  version: string;
  reason?: string;
  line?: Partial<IndexLine>;
}

export function indexLine(name: string, version: string, overrides: Partial<IndexLine> = {}): IndexLine {
  return {
    v: 1,
    name,
    version,
    deps: {},
    sha256: 'ab'.repeat(32),
    size: 1234,
    description: `The ${name} skill, for tests.`,
    keywords: [],
    license: 'MIT',
    yanked: false,
    yank_reason: null,
    published: '2026-01-01T00:00:00Z',
    signer: null,
    ...overrides,
  };
}

/**
 * An index built with index-builder, as the registry would build it: changes become feed lines
 * (`buildFeedLine`), committed with `appendFeed` and a signed head. Two builds with the same
 * epoch, key and site tell two histories of "the same" registry apart.
 */
export class IndexBuild {
  readonly lines: Buffer[] = [];
  readonly shards = new Map<string, IndexLine[]>();
  hash = GENESIS_HASH;
  #pending: Buffer[] = [];

  private constructor(
    readonly dir: string,
    readonly site: Site,
    readonly key: TestKey | null,
    readonly epoch: string,
  ) {}

  static async create(site: Site, options: { key: TestKey | null; epoch?: string }): Promise<IndexBuild> {
    const dir = path.join(await tempDir(), 'index');
    const epoch = options.epoch ?? 'e1';
    const { key } = options;
    await initIndex(dir, {
      epoch,
      config: {
        name: 'fixture registry',
        url: site.url,
        dl: `${site.server.url}dl/{prefix}/{name}/{name}-{version}.tgz`,
        sig: null,
        api: null,
        signing_key: key?.fingerprint ?? null,
        auth_required: false,
      },
      ...(key === null
        ? {}
        : { sign: (bytes) => key.sign(bytes), keys: { [key.fingerprint]: key.publicArmored } }),
      time: new Date('2026-01-01T00:00:00Z'),
    });
    return new IndexBuild(dir, site, key, epoch);
  }

  /** Adds feed lines for the changes (not yet committed). */
  add(...changes: Change[]): this {
    for (const change of changes) {
      const before = this.shards.get(change.name) ?? [];
      const old = before.find((line) => line.version === change.version);
      const entry =
        change.op === 'publish'
          ? indexLine(change.name, change.version, change.line)
          : change.op === 'purge'
            ? null
            : {
                ...old!,
                yanked: change.op === 'yank',
                yank_reason: change.op === 'yank' ? (change.reason ?? null) : null,
              };
      const after = applyFeedLine(before, {
        op: change.op,
        name: change.name,
        version: change.version,
        entry,
      });
      const built = buildFeedLine({
        seq: this.lines.length + 1,
        op: change.op,
        name: change.name,
        version: change.version,
        before,
        after,
        prev: this.hash,
      });
      this.shards.set(change.name, after);
      this.hash = built.hash;
      this.lines.push(built.bytes);
      this.#pending.push(built.bytes);
    }
    return this;
  }

  publish(...specs: string[]): this {
    return this.add(
      ...specs.map((spec) => {
        const [name, version = '1.0.0'] = spec.split('@') as [string, string?];
        return { op: 'publish' as const, name, version };
      }),
    );
  }

  /** Commits the pending lines in one commit with a signed head (and serves the result). */
  async commit(): Promise<this> {
    const lines = this.#pending.splice(0);
    const key = this.key;
    await appendFeed(this.dir, { lines, ...(key === null ? {} : { sign: (bytes) => key.sign(bytes) }) });
    return this;
  }

  /** Writes a catalog snapshot at the head. */
  async snapshot(): Promise<this> {
    const key = this.key;
    await writeSnapshot(this.dir, key === null ? {} : { sign: (bytes) => key.sign(bytes) });
    return this;
  }

  async head(): Promise<FeedHead> {
    return parseFeedHead(await readFile(path.join(this.dir, FEED_HEAD_PATH)));
  }
}

/** Every file under `dir` with its bytes, to show that nothing changed. */
export async function filesUnder(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(file);
      else found[path.relative(dir, file)] = (await readFile(file)).toString('base64');
    }
  };
  await walk(dir);
  return found;
}
