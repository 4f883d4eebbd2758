import type { Issue } from './errors.js';

export const OPENAI_TOOL_FILE = '.skill/openai.json';

/** One tool in the Chat Completions shape. */
export interface OpenAiTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface OpenAiToolResult {
  tool: OpenAiTool | null;
  errors: Issue[];
}

// OpenAI's own rule for function names.
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Checks `.skill/openai.json`: `{"type":"function","function":{"name","description","parameters"}}`. */
export function parseOpenAiTool(text: string): OpenAiToolResult {
  const issue = (message: string): OpenAiToolResult => ({
    tool: null,
    errors: [{ path: OPENAI_TOOL_FILE, code: 'PACKAGE_INVALID', message }],
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return issue(`${OPENAI_TOOL_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  const tool = value as Partial<OpenAiTool> | null;
  if (typeof tool !== 'object' || tool === null || Array.isArray(tool) || tool.type !== 'function') {
    return issue(`${OPENAI_TOOL_FILE} must be one tool: {"type":"function","function":{…}}`);
  }
  const fn = tool.function as Partial<OpenAiTool['function']> | undefined;
  if (typeof fn !== 'object' || fn === null) return issue('"function" must be an object');
  if (typeof fn.name !== 'string' || !FUNCTION_NAME.test(fn.name)) {
    return issue('"function.name" must be 1 to 64 letters, digits, "_" or "-"');
  }
  if (typeof fn.description !== 'string' || fn.description.length === 0) {
    return issue('"function.description" must be a non-empty string');
  }
  const parameters = fn.parameters as Record<string, unknown> | undefined;
  if (typeof parameters !== 'object' || parameters === null || parameters.type !== 'object') {
    return issue('"function.parameters" must be a JSON Schema with "type": "object"');
  }
  return { tool: tool as OpenAiTool, errors: [] };
}
