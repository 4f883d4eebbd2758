import type { OpenAiTool } from '@skills/schema/load';
import { Diagnostics, type Diagnostic } from '../diagnostics.js';
import type { LoadedSkill } from '../load.js';

export interface OpenAiToolsResult {
  /** For `tools` in a Chat Completions request, in the order of the skills given. */
  tools: OpenAiTool[];
  /** Which skill each tool belongs to, by function name: where to route a tool call. */
  skillByTool: Record<string, string>;
  diagnostics: Diagnostic[];
}

/**
 * The OpenAI tools of the skills that ship `.skill/openai.json`. The API refuses two tools of one
 * name, so a second skill offering a name already taken is left out with a warning.
 */
export function toOpenAiTools(skills: readonly LoadedSkill[]): OpenAiToolsResult {
  const diagnostics = new Diagnostics();
  const tools: OpenAiTool[] = [];
  const owners = new Map<string, string>(); // a Map: `__proto__` is a valid function name
  for (const skill of skills) {
    const tool = skill.openaiTool;
    if (tool === null) continue;
    const name = tool.function.name;
    const owner = owners.get(name);
    if (owner !== undefined) {
      diagnostics.warning(
        'OPENAI_TOOL_DUPLICATE',
        `the skills "${owner}" and "${skill.name}" both define the OpenAI tool "${name}"; only the one of "${owner}" is offered`,
        { skill: skill.name, version: skill.version, scope: skill.scope },
      );
      continue;
    }
    owners.set(name, skill.name);
    tools.push(tool);
  }
  return { tools, skillByTool: Object.fromEntries(owners), diagnostics: diagnostics.list };
}
