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
  CONFIG_INVALID: '$SKILLS_HOME/config.json is not a valid skills config',
  STATE_INVALID: 'a file under $SKILLS_HOME/state is damaged',
  HOME_LOCKED: 'another skills process has held the home for too long',
  HTTP_INSECURE: 'a plain-http (or other insecure) URL was refused',
  HTTP_ERROR: 'a server answered with an unexpected HTTP status or a broken response',
  AUTH_REQUIRED: 'the registry needs a login for this request',
  RESPONSE_TOO_LARGE: 'a server sent more bytes than skills accepts for that file',
  REGISTRY_UNREACHABLE: 'the registry could not be reached over the network',
  REGISTRY_NOT_FOUND: 'no skills index was found at the given location',
  REGISTRY_NONE: 'no registry is configured, or none is the default',
  REGISTRY_UNKNOWN: 'no configured registry has that name',
  REGISTRY_EXISTS: 'a registry of that name is already configured',
  REGISTRY_KEY_CHANGED: "the registry's signing key differs from the one pinned",
  REGISTRY_API_CHANGED: "the registry's API URL differs from the one pinned",
  REGISTRY_UNSIGNED: 'the registry does not sign its feed (a warning)',
  SIGNATURE_INVALID: 'an OpenPGP signature is missing, malformed, or does not verify',
  SIGNER_KEY_INVALID: 'a key file under keys/ is not the key it is named after',
  SIGNER_KEY_REVOKED: 'the signing key was revoked before the signature was to be valid',
  SIGNER_KEY_EXPIRED: 'the signing key was expired when the signature was to be valid',
  REGISTRY_READ_ONLY: 'the registry has no publish API (its config.json names none)',
  REGISTRY_REFUSED: "the registry's API refused the request with a code skills has no better name for",
  AUTH_INVALID: 'the registry refused the credential: it expired, was revoked, or is malformed',
  LOGIN_FAILED: 'the username or the password is wrong',
  ACCOUNT_INVALID: 'the registry refused the username, email or password of a new account',
  USERNAME_TAKEN: 'the username, or one that looks like it, belongs to another account',
  SIGNUP_DISABLED: 'the registry does not take sign-ups',
  TOKEN_SCOPE: 'the API token lacks the scope, or its name patterns exclude the skill',
  NOT_OWNER: 'you do not own the skill',
  NAME_CONFUSABLE: 'the new skill name looks like a skill that other people own',
  RATE_LIMITED: 'the registry refused the request: too many requests',
  VERSION_EXISTS: 'the version was already published with other bytes or another key (or purged)',
  SIGNATURE_UNKNOWN_KEY: 'the tarball was signed by a key that is not registered to the publisher',
  SIGNATURE_STALE: "the signature's time is more than 5 minutes from the upload's",
  KEY_TAKEN: 'the key is registered to another account, forever',
  KEY_REFUSED: 'the registry refused the key (private, weak, unsupported, expired, revoked or unreadable)',
  KEY_PROOF_INVALID: 'the proof of key possession or its challenge was refused',
  KEY_NOT_FOUND: 'no such key, on this computer or on the registry',
  KEY_NONE: 'no signing key is chosen, and none can be picked',
  KEY_PASSPHRASE: "the signing key's passphrase is missing or wrong",
  API_NOT_FOUND: 'the registry has no such skill, version, user or token',
  LAST_OWNER: 'the last owner of a skill cannot be removed',
  TOO_MANY_TOKENS: 'the account holds as many API tokens as the registry allows',
  CANCELLED: 'a prompt was cancelled (Ctrl-C or end of input)',
  NOT_INDEXED_YET: 'the published version is not in the index yet (a warning)',
  TOKEN_NOT_REVOKED: 'the API token was forgotten here but is still valid on the registry (a warning)',
  SEARCH_INDEX_INVALID: 'a serialised search index is damaged or of another format',
  FEED_RESET: 'the registry restarted its feed in a new epoch',
  FEED_FORK: "the registry's feed differs from the synced copy at the same position",
  FEED_BEHIND: 'the registry served an older feed head than the one already synced (a warning)',
  FEED_STALE: 'the copy of the feed served is behind its own head.json',
  FEED_HEAD_EXPIRED: 'feed/head.json is past its expiry time',
  NOT_SYNCED: 'the registry has not been synced into this skills home yet',
  SKILL_NOT_FOUND: 'the synced catalog has no skill of that name',
  VERSION_NOT_FOUND: 'the skill has no version of that number',
  RESOLVE_CONFLICT: 'two dependency chains need versions of one skill that no single version satisfies',
  RESOLVE_CYCLE: 'skills depend on each other in a cycle',
  CHECKSUM_MISMATCH: "a downloaded tarball's size or sha256 differs from its index line",
  INDEX_MISMATCH: "a tarball's skill.yaml differs from its index line in name, version or dependencies",
  SIGNER_CHANGED:
    'a version is signed by another key than the one recorded when the skill was first installed',
  SKILL_UNSIGNED: 'a skill version carries no signature (a warning on first install)',
  SKILL_YANKED: 'a yanked version was installed because it was pinned exactly (a warning)',
  SIGNER_KEY_COMPROMISED:
    'the signing key was later revoked as compromised (a warning for versions published before)',
  LOCAL_SOURCE_CHANGED:
    'a local folder in skills.json no longer packs to the digest the lock records (a warning)',
  INSTALLED_INDEX_INVALID:
    "an installed tree's index.json is damaged, or not version 1 of its documented shape",
  SKILLS_JSON_INVALID: "a project's skills.json is not valid",
  LOCK_INVALID: "a project's skills-lock.json is not valid",
  LOCK_OUTDATED: 'skills-lock.json is missing or does not satisfy skills.json (with --frozen)',
  LOCK_MISMATCH: "the registry's index line differs from what skills-lock.json records for a version",
  SKILL_NOT_INSTALLED: 'the skill is not installed in the scopes looked in',
  SKILL_REQUIRED: 'other installed skills depend on the skill to remove',
  VERIFY_FAILED: 'installed files differ from the digests index.json records',

  // Diagnostics of @skills/loader (reported as data; one bad skill never stops the others).
  INSTALLED_INDEX_MISSING: 'an installed tree holds skill folders but no index.json',
  INSTALLED_ENTRY_INVALID: "a skill's record in index.json is malformed",
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
  AGENT_TARGET: 'an agent folder was left alone or a skill was not exported for an agent (a warning)',
  KEY_REVOCATION_REFUSED:
    "the registry refused the key's revocation: it does not verify, is for another key, or its reason disagrees",
  KEY_REVOCATION_UNPUBLISHED:
    'the key is revoked on the registry only, without its OpenPGP revocation: installers are not told (a warning)',
  KEY_REVOKED_VERSIONS:
    'versions the key signed shortly before its revocation or after it are now refused by installers (a warning)',
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
