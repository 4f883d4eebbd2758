import { applyFeedLine, buildFeedLine, GENESIS_HASH, type FeedOp, type IndexLine } from '@skills/schema';

export const TIME = new Date('2026-01-02T03:04:05Z');

export const CONFIG = {
  name: 'test',
  url: 'http://127.0.0.1:8080/index/',
  dl: 'http://127.0.0.1:8080/dl/{prefix}/{name}/{name}-{version}.tgz',
  sig: null,
  api: null,
  signing_key: null,
  auth_required: false,
};

export function indexLine(name: string, version: string, overrides: Partial<IndexLine> = {}): IndexLine {
  return {
    v: 1,
    name,
    version,
    deps: {},
    sha256: (name.length + version)
      .padEnd(64, '0')
      .replace(/[^0-9a-f]/g, 'a')
      .slice(0, 64),
    size: 100,
    description: `The ${name} skill — ünïcode`,
    keywords: [],
    license: 'MIT',
    yanked: false,
    yank_reason: null,
    published: '2026-01-01T00:00:00Z',
    signer: null,
    ...overrides,
  };
}

export interface Change {
  op: FeedOp;
  name: string;
  version: string;
  reason?: string;
}

/** Builds the feed a registry would emit for these changes: exact line bytes, in seq order. */
export class FeedFixture {
  readonly lines: Buffer[] = [];
  readonly shards = new Map<string, IndexLine[]>();
  hash = GENESIS_HASH;

  add(...changes: Change[]): Buffer[] {
    const added: Buffer[] = [];
    for (const change of changes) {
      const before = this.shards.get(change.name) ?? [];
      const old = before.find((line) => line.version === change.version);
      const entry =
        change.op === 'publish'
          ? indexLine(change.name, change.version)
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
      added.push(built.bytes);
    }
    return added;
  }

  publishMany(count: number, prefix = 'skill'): Buffer[] {
    return this.add(
      ...Array.from({ length: count }, (_, i) => ({
        op: 'publish' as const,
        name: `${prefix}-${i}`,
        version: '1.0.0',
      })),
    );
  }
}
