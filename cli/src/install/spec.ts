import path from 'node:path';
import { isValidName, isValidRange, printable, UsageError } from '@skills/schema';

/** One argument of `skills install`. */
export type InstallSpec =
  | {
      kind: 'registry';
      name: string;
      /** null: any version — the installed one if there is one, else the latest. */
      range: string | null;
    }
  | { kind: 'dir'; path: string }
  | { kind: 'tarball'; path: string };

/**
 * Reads `name`, `name@range`, a folder or a `.tgz`. Anything that looks like a path (it starts with
 * `.`, `/` or `~`, holds a slash, or ends in `.tgz`/`.tar.gz`) is a local package; the rest must
 * be a valid name with an optional valid range — a usage error otherwise, before any work.
 */
export function parseSpec(argument: string, cwd: string, home: string): InstallSpec {
  if (looksLikePath(argument)) {
    const expanded =
      argument === '~' || argument.startsWith('~/') ? path.join(home, argument.slice(1)) : argument;
    const absolute = path.resolve(cwd, expanded);
    return /\.(tgz|tar\.gz)$/.test(argument)
      ? { kind: 'tarball', path: absolute }
      : { kind: 'dir', path: absolute };
  }
  const at = argument.indexOf('@');
  const name = at === -1 ? argument : argument.slice(0, at);
  const range = at === -1 ? null : argument.slice(at + 1);
  if (!isValidName(name)) {
    throw new UsageError(`"${printable(argument)}" is not a skill name, a folder or a .tgz file`, {
      hint: 'give a name such as code-review or code-review@^1.2, a folder like ./my-skill, or a file like ./my-skill-1.0.0.tgz',
    });
  }
  if (range !== null && !isValidRange(range)) {
    throw new UsageError(`"${printable(range)}" in "${printable(argument)}" is not a valid version range`, {
      hint: 'use a version or a node-semver range: name@1.2.3, name@^1.2.0, name@~1.2 or name@">=1 <2"',
    });
  }
  return { kind: 'registry', name, range };
}

function looksLikePath(argument: string): boolean {
  return (
    argument.startsWith('.') ||
    argument.startsWith('/') ||
    argument.startsWith('~') ||
    argument.includes('/') ||
    argument.includes('\\') ||
    /\.(tgz|tar\.gz)$/.test(argument)
  );
}
