export {
  appendFeedRows,
  DEFAULT_MAX_JOBS,
  runBatch,
  type BatchOptions,
  type BatchResult,
  type FeedAppendResult,
} from './batch.js';
export { indexLineOf, planChanges, type PlannedChange } from './changes.js';
export { SkillFeedStates } from './skill-states.js';
export {
  applyDownloads,
  downloadFile,
  placeDownload,
  removeDownload,
  type DownloadProblem,
} from './downloads.js';
export {
  ensureIndex,
  indexConfigFor,
  publicBaseUrl,
  type EnsureResult,
  type IndexOptions,
  type RegistrySigner,
} from './ensure.js';
export { epochNew, type EpochNewOptions, type EpochNewResult } from './epoch.js';
export {
  collectGarbage,
  maybeWriteSnapshot,
  rebuildIndex,
  snapshotDue,
  verifyIndex,
  type RebuildIndexResult,
  type VerifyIndexOptions,
} from './maintenance.js';
export { checkPublishedHead, renderPending, type HeadCheck, type RenderResult } from './render.js';
export { startWorker, type Worker, type WorkerOptions, type WorkerStatus } from './worker.js';
