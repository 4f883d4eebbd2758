import { printable, SkillsError } from '@skills/schema';
import type { Warning } from '../report.js';
import type { SelectedRegistry } from '../registry/select.js';
import type { Session } from '../session.js';
import type { CatalogHeader } from './catalog-file.js';
import { lastSynced, openCatalog, readChecked, syncPaths, type SyncPaths } from './state.js';
import { syncRegistry, type SyncOutcome } from './sync.js';

/**
 * When commands that read the catalog sync first (DESIGN §6 `search`: "syncs first if stale"):
 * - `if-stale`: when there is no catalog yet (then a failure is an error), or when it was last
 *   synced more than `config.syncMaxAgeSeconds` ago (then a failure is a warning and the old copy
 *   is used: search, info and list work offline);
 * - `always`: every time, failures are errors;
 * - `never`: not at all; no catalog is NOT_SYNCED.
 */
export type SyncMode = 'if-stale' | 'always' | 'never';

export interface LocalCatalogOptions {
  sync: SyncMode;
  progress?: (line: string) => void;
  warn?: (warning: Warning) => void;
  /** Passed to the sync (SyncOptions.preloadVerifier). */
  preloadVerifier?: boolean;
}

export interface LocalCatalog {
  paths: SyncPaths;
  header: CatalogHeader;
  /** When the catalog was last known to be current. */
  syncedAt: string;
  /** The sync this run made, if any. */
  synced: SyncOutcome | null;
}

/** The registry's local catalog, synced first as `options.sync` says. */
export async function localCatalog(
  session: Session,
  selected: SelectedRegistry,
  options: LocalCatalogOptions,
): Promise<LocalCatalog> {
  const paths = syncPaths(session.home, selected.record.location);
  const name = selected.name ?? printable(selected.record.location);
  const held = await describe(paths);
  const sync = (): Promise<SyncOutcome> =>
    syncRegistry(session, selected, {
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
      ...(options.preloadVerifier ? { preloadVerifier: true } : {}),
    });
  let synced: SyncOutcome | null = null;
  if (options.sync === 'always' || (options.sync === 'if-stale' && held === null)) {
    synced = await sync();
  } else if (options.sync === 'if-stale' && held !== null) {
    const { syncMaxAgeSeconds } = await session.config();
    const age = Date.now() - Date.parse(held.syncedAt);
    if (age > syncMaxAgeSeconds * 1000) {
      try {
        synced = await sync();
      } catch (error) {
        if (!(error instanceof SkillsError)) throw error;
        options.warn?.({
          code: error.code,
          message: `could not sync ${name} (${error.message}); using the copy synced at ${held.syncedAt}`,
        });
      }
    }
  }
  const now = synced === null ? held : await describe(paths);
  if (now === null) {
    throw new SkillsError('NOT_SYNCED', `${name} has not been synced into this skills home yet`, {
      hint: `run \`skills sync --registry ${selected.name ?? printable(selected.record.location)}\` while the registry is reachable`,
    });
  }
  return { paths, ...now, synced };
}

async function describe(paths: SyncPaths): Promise<{ header: CatalogHeader; syncedAt: string } | null> {
  const file = openCatalog(paths);
  if (file === null) return null;
  file.close();
  const checked = await readChecked(paths, file.header);
  return { header: file.header, syncedAt: lastSynced(file.header, checked) };
}
