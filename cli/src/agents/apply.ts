import { Option } from '../clipanion.js';
import type { Report } from '../report.js';
import type { Session } from '../session.js';
import { userHome } from '../home/paths.js';
import type { Scope } from '../install/scope.js';
import { roundtableExporter } from './roundtable.js';
import { syncAgents } from './sync.js';
import type { InstalledSkill } from './place.js';
import { parseAgents, type AgentName } from './targets.js';

/** The `--agent <list>` option of install, update and uninstall. */
export function agentOption(): string | undefined {
  return Option.String('--agent', {
    description: 'Also make the skills visible to these agents: claude, agents, roundtable (comma-separated)',
  });
}

/** `--agent`, else the `agents` setting of config.json; checked before any work. */
export async function chosenAgents(session: Session, option: string | undefined): Promise<AgentName[]> {
  return parseAgents(option ?? (await session.config()).agents);
}

export interface AgentChange {
  /** Skills placed or asked for by this command. */
  present: readonly InstalledSkill[];
  /** Skills no longer installed at all. */
  removed: readonly string[];
}

/**
 * Brings the agents' folders in line with what a command changed, under the home lock: links for
 * the chosen agents, refreshed or removed entries for those recorded before. Problems (a folder
 * the user made, a skill Roundtable cannot take) are warnings: the install itself succeeded.
 */
export async function applyAgents(
  session: Session,
  report: Report,
  scope: Scope,
  agents: readonly AgentName[],
  change: AgentChange,
): Promise<void> {
  if (change.present.length === 0 && change.removed.length === 0) return;
  const result = await session.withLock(() =>
    syncAgents({
      scopeHome: scope.tree,
      root: scope.project?.dir ?? userHome(session.env),
      agents,
      present: change.present,
      removed: change.removed,
      roundtable: roundtableExporter(scope, session.env),
    }),
  );
  for (const entry of result.placed) report.progress(`${entry.agent}: ${entry.path}`);
  for (const message of result.warnings) report.warning({ code: 'AGENT_TARGET', message });
}
