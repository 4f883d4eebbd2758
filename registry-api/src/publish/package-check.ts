import {
  IndexLineError,
  OPENAI_TOOL_FILE,
  ValidationError,
  formatTimestamp,
  parseManifest,
  parseOpenAiTool,
  parseSkillMd,
  serializeIndexLine,
  type IndexLine,
  type Issue,
} from '@skills/schema';
import type { ArchiveContents } from '@skills/schema/archive';
import { ApiError } from '../http/problem.js';

/** What the registry learned from an uploaded archive, every field computed here, none sent. */
export interface CheckedPackage {
  name: string;
  version: string;
  description: string;
  license: string | null;
  deps: Record<string, string>;
  keywords: string[];
  /** The archive's file paths, sorted by bytes. */
  files: string[];
  sha256: string;
  size: number;
  /** What the validators warned about; the 201 body carries them. */
  warnings: Issue[];
}

/**
 * Checks the archive's manifest, SKILL.md and `.skill/openai.json` the way `skills validate` checks
 * a folder in publish mode: strictly. Throws a ValidationError (422 with its issues) on any error.
 */
export function checkPackage(contents: ArchiveContents): CheckedPackage {
  const manifestResult = parseManifest(contents.skillYaml, 'publish');
  const skillMdResult = parseSkillMd(contents.skillMd, 'publish');
  const errors: Issue[] = [...manifestResult.errors, ...skillMdResult.errors];
  const warnings: Issue[] = [...manifestResult.warnings, ...skillMdResult.warnings];
  const manifest = manifestResult.manifest;
  const frontmatter = skillMdResult.skillMd?.frontmatter;

  if (manifest !== null && frontmatter !== undefined && manifest.name !== frontmatter.name) {
    errors.push({
      path: 'skill.yaml:name',
      code: 'PACKAGE_INVALID',
      message: `skill.yaml names "${manifest.name}" but SKILL.md names "${frontmatter.name}": they must be equal`,
    });
  }
  if (!contents.files.some((file) => file.path.startsWith('docs/'))) {
    errors.push({
      path: 'docs/',
      code: 'PACKAGE_INVALID',
      message: 'docs/ must hold at least one file of usage documentation',
    });
  }
  if (contents.files.some((file) => file.path === OPENAI_TOOL_FILE)) {
    const tool = contents.readFile(OPENAI_TOOL_FILE);
    if (tool === undefined) {
      errors.push({
        path: OPENAI_TOOL_FILE,
        code: 'PACKAGE_INVALID',
        message: `${OPENAI_TOOL_FILE} is too large`,
      });
    } else {
      errors.push(...parseOpenAiTool(tool.toString('utf8')).errors);
    }
  }

  if (errors.length > 0 || manifest === null || frontmatter === undefined) {
    throw new ValidationError(codeOf(errors), summary(errors), errors, {
      hint: 'Run `skills validate` on the package folder and fix what it reports.',
    });
  }
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description ?? frontmatter.description,
    license: manifest.license ?? frontmatter.license ?? null,
    deps: { ...manifest.dependencies },
    keywords: [...(manifest.keywords ?? [])],
    files: contents.files.map((file) => file.path),
    sha256: contents.sha256,
    size: contents.size,
    warnings,
  };
}

/** A reserved name is the clearest thing to say; otherwise the first problem names the code. */
function codeOf(errors: readonly Issue[]): Issue['code'] {
  if (errors.some((issue) => issue.code === 'NAME_RESERVED')) return 'NAME_RESERVED';
  return errors[0]?.code ?? 'PACKAGE_INVALID';
}

function summary(errors: readonly Issue[]): string {
  const first = errors[0];
  if (first === undefined) return 'the package is not valid';
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return `${first.path}: ${first.message}${more}`;
}

/** The index line this version will have when the worker writes it (DESIGN §4 Lines). */
export function indexLineOf(pkg: CheckedPackage, signer: string | null, published: Date): IndexLine {
  return {
    v: 1,
    name: pkg.name,
    version: pkg.version,
    deps: pkg.deps,
    sha256: pkg.sha256,
    size: pkg.size,
    description: pkg.description,
    keywords: pkg.keywords,
    license: pkg.license,
    yanked: false,
    yank_reason: null,
    published: formatTimestamp(published),
    signer,
  };
}

/**
 * Refuses a version whose index line would be longer than readers accept. Checked with a
 * stand-in signer of the real length, before the (costlier) signature check; a yank reason added
 * later may still grow the line, so the yank endpoint checks again.
 */
export function checkIndexLine(line: IndexLine): Buffer {
  try {
    return serializeIndexLine(line);
  } catch (error) {
    if (error instanceof IndexLineError && fitsWhenShort(line)) {
      throw new ApiError(422, 'index_line_too_large', error.message, {
        hint: error.hint ?? 'Shorten the description, keywords or dependency list.',
      });
    }
    throw error;
  }
}

/** True when the line is valid apart from its length (so the length is what failed). */
function fitsWhenShort(line: IndexLine): boolean {
  try {
    serializeIndexLine({ ...line, description: '', keywords: [], deps: {}, yank_reason: null });
    return true;
  } catch {
    return false;
  }
}

export const PLACEHOLDER_SIGNER = '0'.repeat(40);
