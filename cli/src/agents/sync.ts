import { lstat, type symlink } from 'node:fs/promises';
import { placeForAgent, removeForAgent, type InstalledSkill, type RoundtableExport } from './place.js';
import { readAgentRecords, writeAgentRecords, type AgentEntry } from './records.js';
import type { AgentName } from './targets.js';

export interface SyncAgentsOptions {
  /** Where the records live: `$SKILLS_HOME`, or `<project>/.skills`. */
  scopeHome: string;
  /** Where the agents' folders are: the project folder, or the user's home for global installs. */
  root: string;
  /** Agents chosen for this run (`--agent`, else the config's `agents`). */
  agents: readonly AgentName[];
  /** Skills now installed by this run (new or updated): their entries are created or refreshed. */
  present: readonly InstalledSkill[];
  /** Skills uninstalled by this run: their recorded entries are removed. */
  removed: readonly string[];
  roundtable: (skill: InstalledSkill) => Promise<RoundtableExport>;
  symlink?: typeof symlink;
}

export interface SyncAgentsResult {
  placed: AgentEntry[];
  removed: AgentEntry[];
  warnings: string[];
}

/**
 * Brings the agents' folders in line with one install, update or uninstall. A present skill gets
 * an entry for every chosen agent AND a refresh of every entry recorded for it before (an update
 * keeps the links a user asked for once, and never adds any for an agent they did not choose);
 * a removed skill loses exactly its recorded entries. Run under the home lock.
 */
export async function syncAgents(options: SyncAgentsOptions): Promise<SyncAgentsResult> {
  const records = await readAgentRecords(options.scopeHome);
  const kept = new Map(records.entries.map((entry) => [key(entry.agent, entry.skill), entry]));
  const result: SyncAgentsResult = { placed: [], removed: [], warnings: [] };

  for (const skill of options.present) {
    const agents = new Set<AgentName>(options.agents);
    for (const entry of records.entries) if (entry.skill === skill.name) agents.add(entry.agent);
    for (const agent of agents) {
      const previous = kept.get(key(agent, skill.name));
      const placed = await placeForAgent(agent, skill, previous, {
        root: options.root,
        roundtable: options.roundtable,
        ...(options.symlink ? { symlink: options.symlink } : {}),
      });
      if (placed.status === 'left') {
        result.warnings.push(placed.reason);
        if (previous !== undefined && !(await stillThere(previous))) kept.delete(key(agent, skill.name));
        continue;
      }
      kept.set(key(agent, skill.name), placed.entry);
      result.placed.push(placed.entry);
      result.warnings.push(...placed.warnings);
    }
  }
  for (const name of options.removed) {
    for (const entry of records.entries) {
      if (entry.skill !== name) continue;
      if (await removeForAgent(entry)) result.removed.push(entry);
      else result.warnings.push(`${entry.path} was changed since skills made it: left as it is`);
      kept.delete(key(entry.agent, entry.skill));
    }
  }
  await writeAgentRecords(options.scopeHome, { version: 1, entries: [...kept.values()] });
  return result;
}

function key(agent: AgentName, skill: string): string {
  return `${agent}\u0000${skill}`;
}

async function stillThere(entry: AgentEntry): Promise<boolean> {
  return (await lstat(entry.path).catch(() => null)) !== null;
}
