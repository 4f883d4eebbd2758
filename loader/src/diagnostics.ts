import type { ErrorCode, Issue } from '@skills/schema/load';

/** Which installed tree a skill comes from: `<project>/.skills` or `$SKILLS_HOME`. */
export type Scope = 'project' | 'global';

/**
 * Every code a diagnostic can carry. They are `@skills/schema` error codes (docs/ERRORS.md), listed
 * here so that the loader's types stand on their own for callers with older TypeScript settings.
 */
export const DIAGNOSTIC_CODES = [
  'INSTALLED_INDEX_MISSING',
  'INSTALLED_INDEX_INVALID',
  'INSTALLED_ENTRY_INVALID',
  'SKILL_NOT_INSTALLED',
  'SKILL_DIR_MISSING',
  'SKILL_MARKER_MISSING',
  'SKILL_FILE_MISSING',
  'SKILL_FILE_UNREADABLE',
  'SKILL_MD_INVALID',
  'NAME_INVALID',
  'MANIFEST_INVALID',
  'PACKAGE_INVALID',
  'SKILL_MANIFEST_MISMATCH',
  'SKILL_DIGEST_MISMATCH',
  'SKILL_FILE_UNRECORDED',
  'OPENAI_TOOL_DUPLICATE',
  'ROUNDTABLE_PROMPT_TOO_SHORT',
  'ROUNDTABLE_VERSION_PRERELEASE',
] as const satisfies readonly ErrorCode[];

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

/**
 * One problem, as data. `error`: the skill (or, without `skill`, the whole installed tree) was left
 * out. `warning`: it was returned anyway.
 */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning';
  message: string;
  /** What to do about it. */
  hint?: string;
  /** The skill it concerns. */
  skill?: string;
  version?: string;
  scope?: Scope;
  /** The absolute path of the file or folder concerned. */
  path?: string;
  /** For problems inside a file: where, as `SKILL.md:description` or `skill.yaml:keywords.2`. */
  field?: string;
}

/** Where a problem was found: fills the skill, version, scope and path of a diagnostic. */
export interface DiagnosticPlace {
  skill?: string;
  version?: string;
  scope?: Scope;
  path?: string;
  field?: string;
}

const HINTS: Partial<Record<DiagnosticCode, string>> = {
  INSTALLED_INDEX_MISSING:
    'Reinstall the skills there (`skills install`, or `skills install -g` for the global tree).',
  INSTALLED_INDEX_INVALID:
    'Reinstall the skills there, or upgrade @skills/loader if a newer skills wrote the file.',
  INSTALLED_ENTRY_INVALID: 'Reinstall the skill with `skills install <name>`.',
  SKILL_NOT_INSTALLED:
    'Install it with `skills install <name>`, or check the name, the working directory and SKILLS_HOME.',
  SKILL_DIR_MISSING: 'Reinstall the skill with `skills install <name>`.',
  SKILL_MARKER_MISSING: 'The install did not finish: reinstall the skill with `skills install <name>`.',
  SKILL_FILE_MISSING: 'Run `skills verify`, then reinstall the skill.',
  SKILL_FILE_UNREADABLE: "Check the file's permissions.",
  SKILL_MANIFEST_MISMATCH: 'The installed folder was changed after install: reinstall the skill.',
  SKILL_DIGEST_MISMATCH: 'The file was changed after install: run `skills verify`, then reinstall the skill.',
  SKILL_FILE_UNRECORDED: 'Something was added after install: run `skills verify`, then reinstall the skill.',
  OPENAI_TOOL_DUPLICATE: "Only the first skill's tool is offered; uninstall one of the two skills.",
  ROUNDTABLE_PROMPT_TOO_SHORT:
    'Give the skill a longer SKILL.md body or an `extensions.roundtable.systemPrompt` of 20 words or more.',
  ROUNDTABLE_VERSION_PRERELEASE:
    'Roundtable accepts only X.Y.Z versions; install a release to avoid the ambiguity.',
};

/** Collects diagnostics; `error` and `warning` add one with the code's hint. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(code: DiagnosticCode, message: string, place: DiagnosticPlace = {}): void {
    this.add('error', code, message, place);
  }

  warning(code: DiagnosticCode, message: string, place: DiagnosticPlace = {}): void {
    this.add('warning', code, message, place);
  }

  /** Validator issues (`@skills/schema`) as diagnostics of the given severity. */
  issues(severity: Diagnostic['severity'], issues: readonly Issue[], place: DiagnosticPlace): void {
    for (const issue of issues) {
      this.add(severity, asDiagnosticCode(issue.code), issue.message, { ...place, field: issue.path });
    }
  }

  private add(
    severity: Diagnostic['severity'],
    code: DiagnosticCode,
    message: string,
    place: DiagnosticPlace,
  ): void {
    const hint = HINTS[code];
    this.list.push({ code, severity, message, ...(hint === undefined ? {} : { hint }), ...place });
  }
}

const KNOWN = new Set<string>(DIAGNOSTIC_CODES);

/** Validators of SKILL.md, skill.yaml and openai.json use these codes; anything else is the file's. */
function asDiagnosticCode(code: ErrorCode): DiagnosticCode {
  return KNOWN.has(code) ? (code as DiagnosticCode) : 'PACKAGE_INVALID';
}
