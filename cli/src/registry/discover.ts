import { CONFIG_PATH, parseIndexConfig, printable, SkillsError, type IndexConfig } from '@skills/schema';
import type { Session } from '../session.js';
import { openTransport } from '../transport/open.js';
import type { IndexTransport } from '../transport/types.js';
import type { RegistryLocation } from './location.js';

/** A registry location, read: where its index root is and what its config.json says. */
export interface DiscoveredRegistry extends RegistryLocation {
  /** The index root: the URL or folder holding config.json (for git, the repository URL). */
  index: string;
  config: IndexConfig;
}

const CONFIG_MAX_BYTES = 64 * 1024;

/**
 * Finds a registry's index and reads its config.json (DESIGN §6 Registry identity): over HTTP,
 * `<url>/config.json`, and only on a 404 `<url>/index/config.json` (a registry server's base
 * URL). A folder is tried the same way, so a registry's data dir works as well as an index.
 */
export async function discoverRegistry(
  session: Session,
  location: RegistryLocation,
  allowHttp: boolean,
): Promise<DiscoveredRegistry> {
  const roots =
    location.transport === 'http'
      ? [location.location, new URL('index/', location.location).href]
      : location.transport === 'local'
        ? [location.location, `${location.location.replace(/\/+$/, '')}/index`]
        : [location.location];
  for (const index of roots) {
    const transport = await openTransport(session, { transport: location.transport, index, allowHttp });
    try {
      const config = await readIndexConfig(transport);
      if (config !== null) return { ...location, index, config };
    } finally {
      await transport.close();
    }
  }
  throw new SkillsError(
    'REGISTRY_NOT_FOUND',
    `no skills index at ${printable(location.location)}: config.json is missing`,
    {
      hint: 'check the location: give the index root, the registry server URL or a git URL ending in .git',
    },
  );
}

/** config.json through a transport, parsed and checked; null when there is none. */
export async function readIndexConfig(transport: IndexTransport): Promise<IndexConfig | null> {
  const result = await transport.get(CONFIG_PATH, { maxBytes: CONFIG_MAX_BYTES });
  if (result.status === 'not-found') return null;
  if (result.status === 'not-modified') throw new SkillsError('INTERNAL', 'config.json answered 304 unasked');
  return parseIndexConfig(result.bytes);
}
