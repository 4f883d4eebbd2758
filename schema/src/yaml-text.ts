import { parseDocument } from 'yaml';
import type { ErrorCode, Issue } from './errors.js';

export { fieldPath } from './field-path.js';

export interface YamlResult {
  value: unknown;
  errors: Issue[];
}

/**
 * Parses YAML the way the strictest common reader would: YAML 1.1 (as PyYAML and js-yaml read it,
 * so an unquoted `2024-01-01` becomes a date and `1.0` a number and we can say "quote it"), unique
 * keys, and few aliases (no billion-laughs expansion).
 */
export function parseYaml(text: string, file: string, code: ErrorCode): YamlResult {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
  const errors: Issue[] = doc.errors.map((error) => ({
    path: file,
    code,
    message: `${file} is not valid YAML: ${(error.message.split('\n')[0] ?? '').replace(/:$/, '')}`,
  }));
  if (errors.length > 0) return { value: undefined, errors };
  try {
    return { value: doc.toJS({ maxAliasCount: 50 }), errors: [] };
  } catch (error) {
    return {
      value: undefined,
      errors: [{ path: file, code, message: `${file}: ${(error as Error).message}` }],
    };
  }
}
