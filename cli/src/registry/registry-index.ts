import type { IndexConfig, IndexLine } from '@skills/schema';
import type { SelectedRegistry } from './select.js';

/**
 * A registry's index as install, update and info use it: verified data only. Built by
 * `openRegistryIndex` (sync/), which syncs first when asked to and reads shard files through the
 * registry's transport, checked against the `file` digest of the last synced feed line.
 */
export interface RegistryIndex {
  readonly registry: SelectedRegistry;
  /** config.json as of the last sync. */
  readonly config: IndexConfig;
  /** What index.json and the lock record as the registry: config.json's `url`, else the location. */
  readonly identity: string;
  /**
   * Every valid index line of a skill, in feed order (yanked ones included), from its shard file
   * checked against the synced digest: a mismatch re-syncs, retries once with no-cache, then
   * fails INDEX_INCONSISTENT. Empty when the catalog does not know the skill.
   */
  versions(name: string): Promise<IndexLine[]>;
  /**
   * The skill's latest line as the synced catalog has it (DESIGN §4: the highest non-yanked
   * version, releases first), read without its shard file; null when the catalog does not know it
   * or no version remains. The catalog comes from the same verified feed as the shard digests.
   */
  latest(name: string): IndexLine | null;
  /** The armored key at `keys/<FPR>.asc` (unchecked: verifyDetached checks its fingerprint). */
  publicKey(fingerprint: string): Promise<string>;
  /** Where the tarball of a line and its detached signature are downloaded from (config.json's templates). */
  tarballUrl(line: IndexLine): string;
  signatureUrl(line: IndexLine): string;
}
