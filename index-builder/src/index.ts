export { writeTreeChanges, type GitRepo, type TreeChanges } from './git-tree.js';
export {
  INDEX_BRANCH,
  INDEX_REF,
  REGISTRY_AUTHOR,
  headCommit,
  indexRepo,
  readCommitted,
  type IndexRepo,
} from './repo.js';
export { initIndex, newEpoch, TEMPLATE_DIR, type InitOptions, type InitResult } from './init.js';
export {
  appendFeed,
  openIndex,
  type AppendOptions,
  type WriteResult,
  type CommitOptions,
  type CommittedIndex,
  type HeadSigner,
} from './writer.js';
export {
  ARCHIVE_REF_PREFIX,
  gcAuto,
  hasSystemGit,
  squashHistory,
  type SquashResult,
} from './housekeeping.js';
export { isProjectionPath, rebuild, type RebuildResult } from './rebuild.js';
export {
  buildSnapshot,
  commitSnapshot,
  SNAPSHOTS_DIR,
  writeSnapshot,
  type BuiltSnapshot,
} from './snapshot.js';
export { verify, type VerifyOptions, type VerifyProblem, type VerifyReport } from './verify.js';
