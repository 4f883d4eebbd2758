import { createHash } from 'node:crypto';
import { GENESIS_HASH, buildFeedLine, nameSkeleton, type FeedOp, type IndexLine } from '@skills/schema';
import type { Database } from '../src/db/database.js';

/** A valid index line; tests give what they are about. */
export function line(name: string, version: string, overrides: Partial<IndexLine> = {}): IndexLine {
  return {
    v: 1,
    name,
    version,
    deps: {},
    sha256: createHash('sha256').update(`${name}@${version}`).digest('hex'),
    size: 1024,
    description: `The ${name} skill`,
    keywords: [],
    license: 'MIT',
    yanked: false,
    yank_reason: null,
    published: '2026-01-10T09:00:00Z',
    signer: null,
    ...overrides,
  };
}

export interface PublishOptions {
  /** Write the version row only, as publish does before the worker runs. */
  indexed?: boolean;
  files?: string[];
}

/**
 * Seeds the registry's tables with plain SQL, as publish and the index worker would leave them:
 * users, skills, owners, versions, and feed rows built with buildFeedLine (exact bytes, chained).
 */
export class FeedSeed {
  readonly state = new Map<string, IndexLine[]>();
  seq = 0;
  hash = GENESIS_HASH;
  readonly #users = new Map<string, number>();
  readonly #skills = new Map<string, number>();

  constructor(
    readonly db: Database,
    public epoch = 'e1',
  ) {}

  async start(): Promise<this> {
    await this.db.query('INSERT INTO registry_state (id, epoch) VALUES (1, $1)', [this.epoch]);
    return this;
  }

  /** Starts a new epoch: the feed restarts at seq 1 with every skill's lines forgotten. */
  async newEpoch(epoch: string): Promise<void> {
    this.epoch = epoch;
    this.seq = 0;
    this.hash = GENESIS_HASH;
    this.state.clear();
    await this.db.query('UPDATE registry_state SET epoch = $1 WHERE id = 1', [epoch]);
  }

  async user(username: string): Promise<number> {
    const known = this.#users.get(username);
    if (known !== undefined) return known;
    const { rows } = await this.db.query<{ id: number }>(
      "INSERT INTO users (username, skeleton, email, password_hash) VALUES ($1, $2, $1 || '@example.org', 'x') RETURNING id",
      [username, nameSkeleton(username)],
    );
    this.#users.set(username, rows[0]!.id);
    return rows[0]!.id;
  }

  async skill(name: string, owners: readonly string[] = ['ada']): Promise<number> {
    const known = this.#skills.get(name);
    if (known !== undefined) return known;
    const { rows } = await this.db.query<{ id: number }>(
      'INSERT INTO skills (name, skeleton) VALUES ($1, $2) RETURNING id',
      [name, nameSkeleton(name)],
    );
    const id = rows[0]!.id;
    for (const owner of owners) {
      await this.db.query('INSERT INTO owners (skill_id, user_id) VALUES ($1, $2)', [
        id,
        await this.user(owner),
      ]);
    }
    this.#skills.set(name, id);
    return id;
  }

  /** Inserts the version row and, unless `indexed: false`, its publish feed line. */
  async publish(entry: IndexLine, options: PublishOptions = {}): Promise<void> {
    const skillId = await this.skill(entry.name);
    await this.db.query(
      `INSERT INTO versions (skill_id, version, sha256, size, signer, publisher_id, description, license,
         deps, keywords, files, published_at, yanked, yank_reason, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '{}')`,
      [
        skillId,
        entry.version,
        entry.sha256,
        entry.size,
        entry.signer,
        await this.user('ada'),
        entry.description,
        entry.license,
        JSON.stringify(entry.deps),
        entry.keywords,
        JSON.stringify(options.files ?? ['SKILL.md', 'docs/README.md', 'skill.yaml']),
        new Date(entry.published),
        entry.yanked,
        entry.yank_reason,
      ],
    );
    if (options.indexed !== false) await this.index('publish', entry.name, entry.version, entry);
  }

  async yank(name: string, version: string, reason: string | null = null): Promise<void> {
    await this.#change('yank', name, version, { yanked: true, yank_reason: reason });
  }

  async unyank(name: string, version: string): Promise<void> {
    await this.#change('unyank', name, version, { yanked: false, yank_reason: null });
  }

  async purge(name: string, version: string): Promise<void> {
    await this.db.query(
      `UPDATE versions SET purged_at = now() WHERE version = $2
         AND skill_id = (SELECT id FROM skills WHERE name = $1)`,
      [name, version],
    );
    await this.index('purge', name, version, null);
  }

  async #change(op: FeedOp, name: string, version: string, yank: Partial<IndexLine>): Promise<void> {
    await this.db.query(
      `UPDATE versions SET yanked = $3, yank_reason = $4 WHERE version = $2
         AND skill_id = (SELECT id FROM skills WHERE name = $1)`,
      [name, version, yank.yanked, yank.yank_reason],
    );
    const held = this.state.get(name)!.find((entry) => entry.version === version)!;
    await this.index(op, name, version, { ...held, ...yank });
  }

  /** Appends the feed line of one change, as the worker does (without NOTIFY). */
  async index(op: FeedOp, name: string, version: string, entry: IndexLine | null): Promise<void> {
    const before = this.state.get(name) ?? [];
    const after =
      op === 'publish'
        ? [...before, entry!]
        : op === 'purge'
          ? before.filter((held) => held.version !== version)
          : before.map((held) => (held.version === version ? entry! : held));
    const built = buildFeedLine({ seq: this.seq + 1, op, name, version, before, after, prev: this.hash });
    await this.insertRow(this.seq + 1, built.bytes, built.hash, name, version, op);
    this.state.set(name, after);
    this.seq += 1;
    this.hash = built.hash;
  }

  /** A feed row exactly as given: tests break the chain with it. */
  async insertRow(
    seq: number,
    bytes: Buffer,
    hash: string,
    name: string,
    version: string,
    op: string,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO feed (epoch, seq, line, hash, skill_id, version, op)
       VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6, $7)`,
      [this.epoch, seq, bytes.toString('hex'), hash, await this.skill(name), version, op],
    );
  }

  async notify(): Promise<void> {
    await this.db.query("SELECT pg_notify('feed', $1)", [String(this.seq)]);
  }
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
