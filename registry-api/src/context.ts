import path from 'node:path';
import type { Logger } from 'pino';
import type { RegistryConfig } from './config.js';
import type { Database } from './db/database.js';

/** What every part of the registry is handed: no globals, so tests build as many as they like. */
export interface RegistryContext {
  config: RegistryConfig;
  db: Database;
  logger: Logger;
  /** Now, as the registry sees it; tests move it to check expiries and time windows. */
  now(): Date;
  paths: RegistryPaths;
}

export interface RegistryPaths {
  /** The index repository (work tree served at /index/). */
  index: string;
  /** Content-addressed tarballs and signatures: blobs/sha256/<hex>(.asc). */
  blobs: string;
  /** Public download tree served at /dl/, linked to blobs after re-checking their digest. */
  dl: string;
  /** The registry's own signing key. */
  keys: string;
}

export function registryPaths(dataDir: string): RegistryPaths {
  return {
    index: path.join(dataDir, 'index'),
    blobs: path.join(dataDir, 'blobs'),
    dl: path.join(dataDir, 'dl'),
    keys: path.join(dataDir, 'keys'),
  };
}
