import type { Logger } from 'pino';
import { GENESIS_HASH, applyFeedLine, type IndexLine } from '@skills/schema';
import { readFeed } from '@skills/schema/reader';
import { buildSearchIndex, search, type SearchIndex, type SearchResults } from '@skills/schema/ranking';
import type { RegistryContext } from '../context.js';
import type { Database } from '../db/database.js';

/** What the feed says of one skill: its shard file as lines, and where the feed last touched it. */
export interface SkillState {
  readonly name: string;
  /** The index lines of its live versions, in feed order (its shard file). */
  readonly lines: readonly IndexLine[];
  /** Its latest line (DESIGN §4 Latest); null when every version was purged. */
  readonly latest: IndexLine | null;
  /** The seq of the last feed line that changed the skill. */
  readonly seq: number;
  /** sha256 of its shard file; null when no version remains. */
  readonly file: string | null;
  /** version → the seq of the last feed line about it (publish, yank or unyank). */
  readonly versionSeqs: ReadonlyMap<string, number>;
}

interface MutableSkill extends SkillState {
  lines: IndexLine[];
  latest: IndexLine | null;
  seq: number;
  file: string | null;
  versionSeqs: Map<string, number>;
}

/** The model's contents at one point of the feed. */
interface State {
  epoch: string | null;
  seq: number;
  hash: string;
  skills: Map<string, MutableSkill>;
  /** The seq at which this epoch's feed table stops making sense (chain or replay broken). */
  brokenAt: number | null;
}

export interface Tag {
  keyword: string;
  count: number;
}

interface FeedTableRow {
  seq: number;
  line: Buffer;
  hash: string;
}

/** Feed rows read per query: a full reload of a large feed goes in pages of this many. */
const DEFAULT_PAGE_SIZE = 1000;
const NEWLINE = Buffer.from('\n');

/**
 * The registry's read model (DESIGN §2): every skill's index lines, latest line, last seq and shard
 * digest, replayed from the feed table of the current epoch, plus the search index and tag counts
 * built from it on demand. Read endpoints answer from it; only owners come from SQL.
 *
 * `refresh()` reads only the rows after the last seq it applied, and checks each against the chain
 * (its `prev`, and the stored hash against the hash of its exact bytes). A break, a new epoch or a
 * feed table that no longer holds the row it stopped at (a restored database) means a full reload,
 * built aside and swapped in whole. Several `serve` processes each keep their own model: it only
 * reads committed rows, so they never disturb each other.
 *
 * Decisions:
 * - A gap in seq (a row not visible yet) ends a refresh quietly; the next one continues there.
 * - When the feed table itself is broken at seq S (a line that does not chain or does not apply),
 *   the model keeps lines 1…S-1, logs an error, reports `brokenAt`, and does not reload again for
 *   that same break: the worker refuses to write past it too, so an operator must act.
 */
export class ReadModel {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #pageSize: number;
  #state: State = emptyState(null);
  /** Bumped on every change, so derived views know when to rebuild. */
  #generation = 0;
  #sortedNames: { generation: number; names: string[] } | null = null;
  #catalog: { generation: number; lines: IndexLine[] } | null = null;
  #searchIndex: { generation: number; index: SearchIndex } | null = null;
  #tags: { generation: number; tags: Tag[] } | null = null;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(db: Database, logger: Logger, options: { pageSize?: number } = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  /** The epoch read; null before the registry has one. */
  get epoch(): string | null {
    return this.#state.epoch;
  }

  /** The last feed line applied (0: none). */
  get seq(): number {
    return this.#state.seq;
  }

  /** hash(seq). */
  get hash(): string {
    return this.#state.hash;
  }

  /** The seq where the feed table breaks, when it does. */
  get brokenAt(): number | null {
    return this.#state.brokenAt;
  }

  /** Changes whenever the model does. */
  get generation(): number {
    return this.#generation;
  }

  /** A skill the feed ever mentioned in this epoch (also when all its versions are purged). */
  skill(name: string): SkillState | undefined {
    return this.#state.skills.get(name);
  }

  /** Every skill's name, in byte order. */
  names(): readonly string[] {
    if (this.#sortedNames?.generation !== this.#generation) {
      this.#sortedNames = { generation: this.#generation, names: [...this.#state.skills.keys()].sort() };
    }
    return this.#sortedNames.names;
  }

  /** The catalog lines: each skill's latest, in name order; none for purged skills. */
  catalog(): readonly IndexLine[] {
    if (this.#catalog?.generation !== this.#generation) {
      const lines: IndexLine[] = [];
      for (const name of this.names()) {
        const latest = this.#state.skills.get(name)!.latest;
        if (latest !== null) lines.push(latest);
      }
      this.#catalog = { generation: this.#generation, lines };
    }
    return this.#catalog.lines;
  }

  /**
   * The ranked search of `@skills/schema/ranking` over the catalog. The index is built on the first
   * search after a change (about half a second at 100,000 skills) and reused until the next.
   */
  search(query: string, options: { limit: number; offset: number }): SearchResults {
    return search(this.searchIndex(), query, options);
  }

  searchIndex(): SearchIndex {
    if (this.#searchIndex?.generation !== this.#generation) {
      this.#searchIndex = { generation: this.#generation, index: buildSearchIndex(this.catalog()) };
    }
    return this.#searchIndex.index;
  }

  /**
   * Keywords of the skills search finds (latest line not yanked), with how many skills list each:
   * most used first, then by keyword.
   */
  tags(): readonly Tag[] {
    if (this.#tags?.generation !== this.#generation) {
      const counts = new Map<string, number>();
      for (const line of this.catalog()) {
        if (line.yanked) continue;
        for (const keyword of new Set(line.keywords)) counts.set(keyword, (counts.get(keyword) ?? 0) + 1);
      }
      const tags = [...counts].map(([keyword, count]) => ({ keyword, count }));
      tags.sort((a, b) => b.count - a.count || (a.keyword < b.keyword ? -1 : a.keyword > b.keyword ? 1 : 0));
      this.#tags = { generation: this.#generation, tags };
    }
    return this.#tags.tags;
  }

  /**
   * Brings the model up to the feed table. Calls while one runs share it and cause one more pass
   * after it, so a caller always sees the rows committed before its call.
   */
  refresh(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#refreshOnce();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /** Replays the current epoch's feed from its first row, aside, and swaps the result in. */
  async #reload(): Promise<void> {
    const epoch = await currentEpoch(this.#db);
    const state = emptyState(epoch);
    if (epoch !== null) {
      for (;;) {
        const rows = await feedRowsAfter(this.#db, epoch, state.seq, this.#pageSize);
        if (this.#apply(state, rows) < this.#pageSize) break;
      }
    }
    this.#state = state;
    this.#generation++;
    this.#logger.info(
      { epoch, seq: state.seq, skills: state.skills.size },
      'read model loaded from the feed',
    );
  }

  async #refreshOnce(): Promise<void> {
    const state = this.#state;
    const epoch = await currentEpoch(this.#db);
    if (epoch !== state.epoch) return this.#reload();
    if (epoch === null) return;
    for (;;) {
      // The row it stopped at comes along: if its hash changed, the table is not the one it read.
      const rows = await feedRowsAfter(this.#db, epoch, state.seq - 1, this.#pageSize + 1);
      if (state.seq > 0) {
        const last = rows.shift();
        if (last?.seq !== state.seq || last.hash !== state.hash) {
          this.#logger.warn(
            { epoch, seq: state.seq },
            'the feed table no longer holds the line the read model stopped at; reloading',
          );
          return this.#reload();
        }
      }
      const brokenBefore = state.brokenAt;
      const applied = this.#apply(state, rows);
      if (applied > 0) this.#generation++;
      if (state.brokenAt !== null && state.brokenAt !== brokenBefore) {
        this.#logger.warn({ epoch, seq: state.brokenAt }, 'the feed breaks after the read model; reloading');
        return this.#reload();
      }
      if (applied < this.#pageSize) return;
    }
  }

  /**
   * Applies rows in order while each follows the last; returns how many were applied. A gap stops
   * quietly; a line that does not chain, whose stored hash is wrong, or that does not apply to the
   * skill's lines sets `brokenAt` (logged) and stops.
   */
  #apply(state: State, rows: readonly FeedTableRow[]): number {
    let applied = 0;
    for (const row of rows) {
      if (row.seq !== state.seq + 1) break;
      if (state.brokenAt === row.seq) break;
      try {
        const entry = readFeed(Buffer.concat([row.line, NEWLINE]), { seq: state.seq, hash: state.hash })
          .lines[0]!;
        if (entry.hash !== row.hash) {
          throw new Error(`feed line ${row.seq} hashes to ${entry.hash}, but its row says ${row.hash}`);
        }
        if (entry.line.known) {
          const { line } = entry.line;
          const held = state.skills.get(line.name);
          const skill: MutableSkill = held ?? {
            name: line.name,
            lines: [],
            latest: null,
            seq: 0,
            file: null,
            versionSeqs: new Map(),
          };
          skill.lines = applyFeedLine(skill.lines, line);
          skill.latest = line.latest;
          skill.file = line.file;
          skill.seq = line.seq;
          if (line.op === 'purge') skill.versionSeqs.delete(line.version);
          else skill.versionSeqs.set(line.version, line.seq);
          if (held === undefined) state.skills.set(line.name, skill);
        }
        state.seq = entry.seq;
        state.hash = entry.hash;
        applied++;
      } catch (error) {
        state.brokenAt = row.seq;
        this.#logger.error(
          { err: error, epoch: state.epoch, seq: row.seq },
          'the feed table is broken here; the read model stops before this line',
        );
        break;
      }
    }
    return applied;
  }

  /** Resolves when no refresh is running. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running.catch(() => undefined);
  }
}

function emptyState(epoch: string | null): State {
  return { epoch, seq: 0, hash: GENESIS_HASH, skills: new Map(), brokenAt: null };
}

async function currentEpoch(db: Database): Promise<string | null> {
  const { rows } = await db.query<{ epoch: string }>('SELECT epoch FROM registry_state WHERE id = 1');
  return rows[0]?.epoch ?? null;
}

async function feedRowsAfter(
  db: Database,
  epoch: string,
  seq: number,
  limit: number,
): Promise<FeedTableRow[]> {
  const { rows } = await db.query<FeedTableRow>(
    'SELECT seq, line, hash FROM feed WHERE epoch = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [epoch, seq, limit],
  );
  return rows;
}

export interface ReadModelOptions {
  /** How often to look for new feed rows besides NOTIFY `feed` (default 3 s). */
  pollMs?: number;
}

export interface RunningReadModel {
  model: ReadModel;
  /** Stops listening and polling; resolves once a refresh in progress has ended. */
  stop(): Promise<void>;
}

/**
 * Loads the read model and keeps it fresh: on every NOTIFY `feed` (the worker sends one once it has
 * rendered new feed rows into the index) and every `pollMs`, for notifications lost with a
 * connection or sent by a server that does not notify. Without LISTEN (it failed) polling alone
 * keeps it fresh.
 */
export async function startReadModel(
  ctx: RegistryContext,
  options: ReadModelOptions = {},
): Promise<RunningReadModel> {
  const model = new ReadModel(ctx.db, ctx.logger);
  await model.refresh();
  let stopped = false;
  const wake = (): void => {
    if (stopped) return;
    model.refresh().catch((error: unknown) => {
      ctx.logger.error({ err: error }, 'the read model could not refresh; it retries at the next poll');
    });
  };
  let unlisten: (() => Promise<void>) | null = null;
  try {
    unlisten = await ctx.db.listen('feed', wake);
  } catch (error) {
    ctx.logger.warn({ err: error }, 'LISTEN feed failed; the read model refreshes by polling only');
  }
  const timer = setInterval(wake, options.pollMs ?? 3000);
  timer.unref();
  return {
    model,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unlisten?.();
      await model.idle();
    },
  };
}
