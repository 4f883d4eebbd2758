import path from 'node:path';
import { printable, UsageError } from '@skills/schema';

/** The agents install can link skills into (issue 6, DESIGN §6 `--agent`). */
export const AGENTS = ['claude', 'agents', 'roundtable'] as const;
export type AgentName = (typeof AGENTS)[number];

/**
 * Where an agent reads a skill from, under `root` (the project folder, or the user's home for
 * global installs): Claude Code's `.claude/skills/<name>`; `.agents/skills/<name>`, the universal
 * folder Codex, Cursor, Gemini CLI, Copilot and OpenCode read; Roundtable's one YAML file per skill.
 */
export function agentPath(agent: AgentName, root: string, skill: string): string {
  switch (agent) {
    case 'claude':
      return path.join(root, '.claude', 'skills', skill);
    case 'agents':
      return path.join(root, '.agents', 'skills', skill);
    case 'roundtable':
      return path.join(root, '.roundtable', 'skills', `${skill}.yaml`);
  }
}

/** `--agent claude,agents` (or the config's list) → agent names, refusing unknown ones. */
export function parseAgents(value: string | readonly string[]): AgentName[] {
  const given = (typeof value === 'string' ? value.split(',') : [...value])
    .map((one) => one.trim())
    .filter(Boolean);
  const agents: AgentName[] = [];
  for (const one of given) {
    if (!(AGENTS as readonly string[]).includes(one)) {
      throw new UsageError(`"${printable(one)}" is not an agent skills can install for`, {
        hint: `choose from ${AGENTS.join(', ')} (comma-separated)`,
      });
    }
    if (!agents.includes(one as AgentName)) agents.push(one as AgentName);
  }
  return agents;
}
