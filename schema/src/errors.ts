/**
 * Every failure the project reports carries a stable code from this catalogue. Codes are never
 * reused or renamed: scripts and tests outside the project match on them. docs/ERRORS.md lists
 * them (a test keeps the two in step).
 */
export const ERROR_CODES = {
  INTERNAL: 'an unexpected failure inside skills itself',
  USAGE: 'the command line is not valid',
  IO: 'reading or writing a file failed',

  PACKAGE_INVALID: 'a skill package does not follow the package format',
  MANIFEST_INVALID: 'skill.yaml is not valid',
  SKILL_MD_INVALID: 'SKILL.md is missing or its frontmatter is not valid',
  NAME_INVALID: 'a skill name does not follow the name rules',
  NAME_RESERVED: 'a skill name is reserved or looks like a reserved name',
  VERSION_INVALID: 'a version is not strict SemVer',
  RANGE_INVALID: 'a version range is not valid',

  ARCHIVE_TOO_LARGE: 'the compressed archive is larger than the limit',
  ARCHIVE_UNPACKED_TOO_LARGE: 'the archive unpacks to more bytes than the limit',
  ARCHIVE_TOO_MANY_ENTRIES: 'the archive holds more entries than the limit',
  ARCHIVE_PATH_TOO_LONG: 'an archive path is longer than the limit',
  ARCHIVE_PATH_TOO_DEEP: 'an archive path has more segments than the limit',
  ARCHIVE_PATH_ABSOLUTE: 'an archive path is absolute',
  ARCHIVE_PATH_TRAVERSAL: 'an archive path contains a ".." or "." segment or an empty segment',
  ARCHIVE_PATH_BACKSLASH: 'an archive path contains a backslash',
  ARCHIVE_PATH_CHARACTERS: 'an archive path contains non-ASCII or control characters',
  ARCHIVE_PATH_RESERVED: 'an archive path uses a name Windows reserves',
  ARCHIVE_PATH_DUPLICATE: 'two archive paths are equal after NFC and case-folding',
  ARCHIVE_PATH_CONFLICT: 'an archive path lies under an entry that is not a directory',
  ARCHIVE_LINK: 'the archive contains a symbolic or hard link',
  ARCHIVE_ENTRY_TYPE: 'the archive contains a device, fifo or other non-file entry',
  ARCHIVE_PAX_HEADER: 'the archive contains a PAX or GNU extended header',
  ARCHIVE_NOT_GZIP: 'the archive is not gzip-compressed',
  ARCHIVE_GZIP_TRUNCATED: 'the gzip stream ends early',
  ARCHIVE_GZIP_CONCATENATED: 'the archive holds more than one gzip member',
  ARCHIVE_TRAILING_GARBAGE: 'bytes follow the end of the gzip stream or of the tar archive',
  ARCHIVE_CORRUPT: 'the tar stream is damaged',
  ARCHIVE_MISSING_FILE: 'the archive lacks SKILL.md or skill.yaml at its root',
  ARCHIVE_DESTINATION_EXISTS: 'the extraction destination already exists',

  INDEX_LINE_INVALID: 'an index or feed line is not valid',
  INDEX_CONFIG_INVALID: "an index's config.json is not valid",
  FEED_HEAD_INVALID: 'feed/head.json is not valid',
  INDEX_INCONSISTENT: 'an index file does not match the digest the synced feed gives for it',
  FEED_CHAIN_BROKEN: 'a feed line does not follow the one before it in the hash chain',
  SNAPSHOT_INVALID: 'a catalog snapshot does not match feed/head.json or is damaged',
  INDEX_WRITE_CONFLICT: 'the feed lines do not continue the index, or the index is not where it should be',
  HEAD_SIGNATURE_INVALID: 'feed/head.json.asc is missing or does not verify with the registry key',
  INDEX_KEY_INVALID: 'a file under keys/ is not a public key named by its primary fingerprint',
  INDEX_TREE_INVALID:
    'the index tree differs from its git commit, holds a link or .gitmodules, or git is damaged',

  // Diagnostics of @skills/loader (reported as data; one bad skill never stops the others).
  INSTALLED_INDEX_MISSING: 'an installed tree holds skill folders but no index.json',
  INSTALLED_INDEX_INVALID:
    "an installed tree's index.json cannot be read or is not version 1 of its documented shape",
  INSTALLED_ENTRY_INVALID: "a skill's record in index.json is malformed",
  SKILL_NOT_INSTALLED: 'a skill asked for by name is not installed in the scopes searched',
  SKILL_DIR_MISSING: 'index.json records a version whose folder is missing',
  SKILL_MARKER_MISSING: 'an installed skill folder has no .skills-ok marker: its install did not finish',
  SKILL_FILE_MISSING:
    'a file of an installed skill is missing (SKILL.md, skill.yaml or a file index.json records)',
  SKILL_FILE_UNREADABLE: 'a file of an installed skill cannot be read',
  SKILL_MANIFEST_MISMATCH: "index.json, SKILL.md and skill.yaml disagree on a skill's name or version",
  SKILL_DIGEST_MISMATCH: "an installed file's sha256 differs from the one index.json records",
  SKILL_FILE_UNRECORDED: 'an installed skill folder holds a file or link that index.json does not record',
  OPENAI_TOOL_DUPLICATE: 'two skills define an OpenAI tool with the same function name',
  ROUNDTABLE_PROMPT_TOO_SHORT:
    "a skill's Roundtable system prompt has fewer than 20 words, so it is not exported",
  ROUNDTABLE_VERSION_PRERELEASE: 'a pre-release version was exported to Roundtable without its suffix',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SkillsErrorOptions {
  /** What the user can do about it: one sentence, imperative. */
  hint?: string;
  cause?: unknown;
}

/** The base of every error the project throws on purpose. */
export class SkillsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /** Process exit code when this error ends a command (DESIGN §6: 2 for usage, 1 otherwise). */
  readonly exitCode: number = 1;

  constructor(code: ErrorCode, message: string, options: SkillsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string | null } {
    return { code: this.code, message: this.message, hint: this.hint ?? null };
  }
}

/** Bad input on the command line, reported before any work is done. */
export class UsageError extends SkillsError {
  override readonly exitCode = 2;
  constructor(message: string, options: SkillsErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/** A problem found in data, reported as a list of issues. */
export interface Issue {
  /** Where: a file and a dotted field path, e.g. `skill.yaml:dependencies.foo`. */
  path: string;
  code: ErrorCode;
  message: string;
}

/** Validators return issues as data; this error carries them when a caller must stop. */
export class ValidationError extends SkillsError {
  readonly issues: readonly Issue[];
  constructor(code: ErrorCode, message: string, issues: readonly Issue[], options: SkillsErrorOptions = {}) {
    super(code, message, options);
    this.issues = issues;
  }
}

/** An archive broke one of the rules of DESIGN §3; the code names the rule. */
export class ArchiveError extends SkillsError {}

/** An index or feed line failed validation (DESIGN §4 Lines). */
export class IndexLineError extends SkillsError {
  constructor(message: string, options: SkillsErrorOptions = {}) {
    super('INDEX_LINE_INVALID', message, options);
  }
}

export function isSkillsError(value: unknown): value is SkillsError {
  return value instanceof SkillsError;
}
