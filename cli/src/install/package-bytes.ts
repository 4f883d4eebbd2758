import { parseManifest, printable, SkillsError, ValidationError, type SkillManifest } from '@skills/schema';
import { inspect } from '@skills/schema/archive';
import { sha256Hex } from './download.js';

export interface CheckedTarball {
  manifest: SkillManifest;
  /** Every file in the archive → its sha256: what index.json records and `skills verify` checks. */
  files: Record<string, string>;
}

/**
 * Runs a tarball through every archive rule in memory (nothing touches the disk before all the
 * packages of an install passed), reads its skill.yaml and hashes each file.
 */
export async function checkTarball(bytes: Uint8Array, label: string): Promise<CheckedTarball> {
  const contents = await inspect(bytes, undefined, { keep: () => true });
  const parsed = parseManifest(contents.skillYaml, 'load');
  if (parsed.manifest === null) {
    const [first] = parsed.errors;
    throw new ValidationError(
      'MANIFEST_INVALID',
      `the skill.yaml inside ${label} is not valid${first ? `: ${first.path}: ${first.message}` : ''}`,
      parsed.errors,
      { hint: 'the package is broken: tell its publisher' },
    );
  }
  const files: Record<string, string> = {};
  for (const file of contents.files) files[file.path] = sha256Hex(contents.readFile(file.path)!);
  return { manifest: parsed.manifest, files };
}

/**
 * DESIGN §2: before a package is placed, its skill.yaml must have exactly the index line's name,
 * version and dependencies — else the resolver decided on data the package does not carry.
 */
export function checkAgainstLine(
  manifest: SkillManifest,
  line: { name: string; version: string; deps: Readonly<Record<string, string>> },
  where: string,
): void {
  const problems: string[] = [];
  if (manifest.name !== line.name)
    problems.push(`its name is "${printable(manifest.name)}", the index says "${line.name}"`);
  if (manifest.version !== line.version)
    problems.push(`its version is "${printable(manifest.version)}", the index says "${line.version}"`);
  const actual = depsText(manifest.dependencies ?? {});
  const expected = depsText(line.deps);
  if (actual !== expected) problems.push(`its dependencies are ${actual}, the index says ${expected}`);
  if (problems.length > 0) {
    throw new SkillsError(
      'INDEX_MISMATCH',
      `the skill.yaml in the tarball of ${line.name}@${line.version} from ${where} differs from its index line: ${problems.join('; ')}`,
      { hint: 'nothing was installed: the index and the tarball disagree, tell the registry operator' },
    );
  }
}

function depsText(deps: Readonly<Record<string, string>>): string {
  const names = Object.keys(deps).sort();
  if (names.length === 0) return '{}';
  return `{${names.map((name) => `${printable(name)}: ${printable(deps[name]!)}`).join(', ')}}`;
}
