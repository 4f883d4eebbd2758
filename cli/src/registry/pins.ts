import { readTextIfExists } from '../fs/read.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { SkillsError } from '@skills/schema';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { HomePaths } from '../home/paths.js';

/**
 * What the user trusted when they first added a registry (DESIGN §6): the key that signs its
 * feed/head.json and the API origin credentials go to. A later config.json never changes either
 * without the user's confirmation (`skills registry add … --key <FPR>`). Kept in state/, which
 * only `skills sync --reset` clears, so removing and re-adding a registry keeps its pins.
 */
export interface RegistryPin {
  location: string;
  /** The pinned signing key's fingerprint; null when the registry does not sign its head. */
  signingKey: string | null;
  /** The pinned API base URL (null: the registry has no publish API). */
  api: string | null;
  pinnedAt: string;
}

/** A folder of state per registry location: `state/registries/<slug>-<12 hex>`. */
export function registryStateDir(home: HomePaths, location: string): string {
  const digest = createHash('sha256').update(location).digest('hex').slice(0, 12);
  const slug =
    location
      .replace(/^[a-z]+:\/\//, '')
      .replace(/[^a-zA-Z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(-40) || 'registry';
  return path.join(home.state, 'registries', `${slug}-${digest}`);
}

function pinFile(home: HomePaths, location: string): string {
  return path.join(registryStateDir(home, location), 'pin.json');
}

export async function readPin(home: HomePaths, location: string): Promise<RegistryPin | null> {
  const file = pinFile(home, location);
  const text = await readTextIfExists(file);
  if (text === null) return null;
  try {
    const pin = JSON.parse(text) as RegistryPin;
    if (pin.location !== location || !('signingKey' in pin) || !('api' in pin)) throw new Error('fields');
    return pin;
  } catch (error) {
    throw new SkillsError('STATE_INVALID', `${file} is damaged`, {
      hint: 'run `skills sync --reset` to forget what this home pinned and synced, then add the registry again',
      cause: error,
    });
  }
}

export async function writePin(home: HomePaths, pin: RegistryPin): Promise<void> {
  await writeJsonAtomic(pinFile(home, pin.location), pin);
}
