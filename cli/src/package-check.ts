import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, ValidationError, validatePackage, type Issue, type SkillManifest } from '@skills/schema';
import type { Report } from './report.js';

export interface CheckedPackage {
  manifest: SkillManifest;
  warnings: Issue[];
}

/**
 * Validates the package in `dir` as `skills publish` would. Errors are listed on stderr, then thrown
 * as one PACKAGE_INVALID naming the first; warnings go to the report and are returned.
 */
export async function checkPackage(report: Report, dir: string, shownDir: string): Promise<CheckedPackage> {
  await assertDirectory(dir, shownDir);
  const check = await validatePackage(dir, { mode: 'publish' });
  for (const issue of check.errors) report.progress(`${report.err.red(issue.path)}: ${issue.message}`);
  for (const issue of check.warnings) report.warning(issue);
  const [first] = check.errors;
  if (first !== undefined || check.manifest === null) {
    const issues = check.errors;
    const more = issues.length > 1 ? ` (and ${plural(issues.length - 1, 'more problem')})` : '';
    const problem =
      first === undefined ? 'its manifest could not be read' : `${first.path}: ${first.message}`;
    const file = first === undefined ? 'skill.yaml' : (first.path.split(':')[0] ?? first.path);
    const others = issues.length > 1 ? ` (and the ${plural(issues.length - 1, 'other problem')} listed)` : '';
    const again = shownDir === '.' ? 'skills validate' : `skills validate ${shownDir}`;
    throw new ValidationError(
      'PACKAGE_INVALID',
      `the package in ${shownDir} is not valid: ${problem}${more}`,
      issues,
      {
        hint: `fix the problem in ${file}${others}, then run \`${again}\` again`,
      },
    );
  }
  return { manifest: check.manifest, warnings: check.warnings };
}

/** A folder argument that does not name a folder is a usage error, found before any work. */
export async function assertDirectory(dir: string, shownDir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info === null) {
    throw new UsageError(`there is no folder at ${shownDir}`, {
      hint: 'pass the folder of a skill package, or run the command inside it',
    });
  }
  if (!info.isDirectory()) {
    throw new UsageError(`${shownDir} is not a folder`, {
      hint: 'pass the folder of a skill package (the one holding SKILL.md and skill.yaml)',
    });
  }
}

/** How to show `dir` to the user: relative to the working directory when inside it. */
export function displayPath(cwd: string, dir: string): string {
  const relative = path.relative(cwd, dir);
  if (relative === '') return '.';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return dir;
  return relative;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
