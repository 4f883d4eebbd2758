import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic.js';
import type { HomePaths } from '../home/paths.js';
import { registryStateDir } from '../registry/pins.js';
import { CatalogFile, encodeCatalogFile, type CatalogHeader, type CatalogState } from './catalog-file.js';
import type { Catalog } from '@skills/schema/reader';

/**
 * Where one registry's sync state lives (DESIGN §6 Files: state/ holds sync positions and chain
 * hashes; only `skills sync --reset` clears it): the catalog file, which carries the position,
 * and `checked.json`, the last time a sync found nothing new.
 */
export interface SyncPaths {
  dir: string;
  catalog: string;
  checked: string;
}

export function syncPaths(home: HomePaths, location: string): SyncPaths {
  const dir = registryStateDir(home, location);
  return { dir, catalog: path.join(dir, 'catalog.bin'), checked: path.join(dir, 'checked.json') };
}

/**
 * A sync that found the head unchanged (304, or the same seq and hash) writes this instead of
 * rewriting the catalog. It vouches only for the catalog position it names: a catalog replaced
 * since then (by another process) makes it moot.
 */
export interface CheckedState {
  at: string;
  epoch: string;
  seq: number;
  hash: string;
  headEtag: string | null;
}

export async function readChecked(paths: SyncPaths, header: CatalogHeader): Promise<CheckedState | null> {
  let value: Partial<CheckedState>;
  try {
    value = JSON.parse(await readFile(paths.checked, 'utf8')) as Partial<CheckedState>;
  } catch {
    return null; // missing or damaged: it only ever saves a request, so it is simply ignored
  }
  if (value.epoch !== header.epoch || value.seq !== header.seq || value.hash !== header.hash) return null;
  if (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at))) return null;
  return value as CheckedState;
}

export async function writeChecked(paths: SyncPaths, checked: CheckedState): Promise<void> {
  await writeJsonAtomic(paths.checked, checked, { sync: false });
}

/** When the catalog was last known current: its own sync, or a later check that found nothing new. */
export function lastSynced(header: CatalogHeader, checked: CheckedState | null): string {
  return checked !== null && checked.at > header.syncedAt ? checked.at : header.syncedAt;
}

/** The ETag to ask head.json with: the newest one that describes the catalog's head. */
export function headEtag(header: CatalogHeader, checked: CheckedState | null): string | null {
  return checked?.headEtag ?? header.headEtag;
}

/** Writes a new catalog file in one rename (temp file, fsync, rename). */
export async function writeCatalog(
  paths: SyncPaths,
  state: CatalogState,
  catalog: Catalog,
  searchIndex: Buffer,
): Promise<CatalogHeader> {
  const { bytes, header } = encodeCatalogFile(state, catalog, searchIndex);
  await writeFileAtomic(paths.catalog, Buffer.concat(bytes));
  return header;
}

/** The catalog file of a registry, opened; null when it was never synced. */
export function openCatalog(paths: SyncPaths): CatalogFile | null {
  return CatalogFile.open(paths.catalog);
}
