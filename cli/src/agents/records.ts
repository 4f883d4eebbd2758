import { readTextIfExists } from '../fs/read.js';
import path from 'node:path';
import { SkillsError } from '@skills/schema';
import { writeJsonAtomic } from '../fs/atomic.js';
import { AGENTS, type AgentName } from './targets.js';

/**
 * One thing skills created for an agent. Uninstall and update touch a path only when it still is
 * exactly what was recorded here — a symlink to `target`, a copy holding `stamp`, or a file whose
 * sha256 is `digest` — so a file the user made or edited is never removed or overwritten.
 */
export interface AgentEntry {
  agent: AgentName;
  skill: string;
  version: string;
  /** Absolute path of the link, copy or file. */
  path: string;
  kind: 'symlink' | 'copy' | 'file';
  /** The installed folder the entry shows (`symlink`, `copy`). */
  target: string;
  /** `copy`: the token written into the copy's `.skills-agent` file. */
  stamp: string | null;
  /** `file`: sha256 of the bytes written. */
  digest: string | null;
}

export interface AgentRecords {
  version: 1;
  entries: AgentEntry[];
}

/** Kept beside index.json: `$SKILLS_HOME/agents.json` or `<project>/.skills/agents.json`. */
export const AGENT_RECORDS_FILE = 'agents.json';

export async function readAgentRecords(scopeHome: string): Promise<AgentRecords> {
  const file = path.join(scopeHome, AGENT_RECORDS_FILE);
  const text = await readTextIfExists(file);
  if (text === null) return { version: 1, entries: [] };
  try {
    const value = JSON.parse(text) as AgentRecords;
    if (value.version !== 1 || !Array.isArray(value.entries)) throw new Error('not version 1');
    for (const entry of value.entries) {
      if (
        !(AGENTS as readonly string[]).includes(entry.agent) ||
        typeof entry.path !== 'string' ||
        !path.isAbsolute(entry.path)
      )
        throw new Error('a bad entry');
    }
    return value;
  } catch (error) {
    throw new SkillsError('STATE_INVALID', `${file} is damaged: ${(error as Error).message}`, {
      hint: `delete ${file}; skills then leaves the agent folders it made alone, and reinstalling adopts them`,
      cause: error,
    });
  }
}

export async function writeAgentRecords(scopeHome: string, records: AgentRecords): Promise<void> {
  const sorted = [...records.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await writeJsonAtomic(path.join(scopeHome, AGENT_RECORDS_FILE), { version: 1, entries: sorted });
}
