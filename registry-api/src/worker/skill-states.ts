import { applyFeedLine, lineSerializer, parseFeedLine, type IndexLine } from '@skills/schema';
import type { Queryable } from '../db/database.js';
import { skillFeedRowsFrom, type SkillFeedRow } from './sql.js';

/** A skill's state as its feed rows leave it (its shard file as published). */
export interface SkillFeedState {
  lines: IndexLine[];
  /** serializeIndexLine, remembered for these lines and the ones built from them. */
  serialize: (line: IndexLine) => Buffer;
  /** The skill's last feed row (seq and chain hash); null when it has none yet. */
  last: { seq: number; hash: string } | null;
}

/** Skills remembered unless told otherwise: the recently published ones. */
export const DEFAULT_REMEMBERED_SKILLS = 1000;

/**
 * The feed's state of recently changed skills, kept by one worker between its batches, so a skill
 * with hundreds of versions is not replayed (every feed line parsed) and re-serialized on each
 * publish: only its feed rows after the remembered one are read and applied.
 *
 * A remembered state is used only when the table still holds its last row with the same chain
 * hash. That hash covers every earlier line of the feed, so the same hash there means the same
 * rows up to it: a state remembered from a batch that rolled back, or from a database since
 * restored, is replayed from the table instead.
 */
export class SkillFeedStates {
  readonly #states = new Map<number, { epoch: string; state: SkillFeedState }>();

  constructor(private readonly max = DEFAULT_REMEMBERED_SKILLS) {}

  /** The skill's state at the end of its feed rows in `epoch`. */
  async load(q: Queryable, epoch: string, skillId: number): Promise<SkillFeedState> {
    const known = this.#states.get(skillId);
    if (known?.epoch === epoch && known.state.last !== null) {
      const { last } = known.state;
      const rows = await skillFeedRowsFrom(q, epoch, skillId, last.seq);
      if (rows[0]?.seq === last.seq && rows[0].hash === last.hash) return advance(known.state, rows.slice(1));
    }
    return advance(
      { lines: [], serialize: lineSerializer(), last: null },
      await skillFeedRowsFrom(q, epoch, skillId, 0),
    );
  }

  /** Remembers the skill's state after this batch's rows for it (the least recently used goes). */
  remember(epoch: string, skillId: number, state: SkillFeedState): void {
    this.#states.delete(skillId);
    this.#states.set(skillId, { epoch, state });
    if (this.#states.size > this.max) this.#states.delete(this.#states.keys().next().value!);
  }
}

/** The state after more of the skill's feed rows, in seq order (lines of unknown ops change nothing). */
function advance(state: SkillFeedState, rows: readonly SkillFeedRow[]): SkillFeedState {
  let { lines, last } = state;
  for (const row of rows) {
    const parsed = parseFeedLine(row.line);
    if (parsed.known) lines = applyFeedLine(lines, parsed.line);
    last = { seq: row.seq, hash: row.hash };
  }
  return { lines, serialize: state.serialize, last };
}
