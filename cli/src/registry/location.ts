import path from 'node:path';
import { isLoopback, printable, SkillsError, UsageError } from '@skills/schema';
import type { Transport } from '../home/config.js';
import { userHome, type Env } from '../home/paths.js';

/** Where a registry's index lives, classified by the rules of DESIGN §6 Registry identity. */
export interface RegistryLocation {
  transport: Transport;
  /** Normalised: an absolute URL (a git URL without its `git+`), or an absolute folder path. */
  location: string;
}

/**
 * Classifies what the user typed. A `git+` prefix or a `.git` suffix is a git repository, fetched
 * over HTTP(S) only (isomorphic-git speaks nothing else); a `file:` URL or anything without a
 * scheme is a folder on disk, read directly; any other http(s) URL is an HTTP index or server.
 */
export function parseLocation(input: string, cwd: string, env: Env): RegistryLocation {
  const given = input.trim();
  if (given === '') throw new UsageError('the registry location is empty', { hint: LOCATION_HINT });
  const gitPrefixed = given.startsWith('git+');
  const rest = gitPrefixed ? given.slice(4) : given;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw new UsageError(`"${printable(given)}" is not a valid URL`, { hint: LOCATION_HINT });
    }
    if (url.protocol === 'file:' && !gitPrefixed)
      return { transport: 'local', location: path.resolve(url.pathname) };
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`registries are read over http(s) or from a folder, not over ${url.protocol}//`, {
        hint: 'use the https URL of the index (a git repository with git+https://… or …/index.git)',
      });
    }
    if (url.username !== '' || url.password !== '') {
      throw new UsageError('a registry URL must not carry a user name or password', {
        hint: 'log in with `skills login` instead: tokens are stored per registry, never in URLs',
      });
    }
    if (url.search !== '' || url.hash !== '')
      throw new UsageError('a registry URL must not have a query or a fragment', { hint: LOCATION_HINT });
    const git = gitPrefixed || /\.git\/?$/.test(url.pathname);
    if (git) return { transport: 'git', location: url.href.replace(/\/$/, '') };
    return { transport: 'http', location: withSlash(url.href) };
  }
  if (gitPrefixed || /^[^/\\]+@[^/\\]+:/.test(given)) {
    throw new UsageError(`"${printable(given)}" is not an http(s) git URL`, {
      hint: 'skills fetches git indexes over HTTP(S) only: use git+https://host/path or https://host/path.git',
    });
  }
  const expanded = given === '~' || given.startsWith('~/') ? path.join(userHome(env), given.slice(1)) : given;
  return { transport: 'local', location: path.resolve(cwd, expanded) };
}

const LOCATION_HINT =
  'give an https URL (an index root or a registry server), git+https://… for a git index, or a folder';

function withSlash(href: string): string {
  return href.endsWith('/') ? href : `${href}/`;
}

/**
 * DESIGN §6: plain http is refused except on loopback unless the user allowed it for this
 * registry (`--allow-http`). Every request the CLI makes passes through this check.
 */
export function checkSecure(url: string, allowHttp: boolean): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && (allowHttp || isLoopback(parsed.hostname))) return;
  if (parsed.protocol === 'http:') {
    throw new SkillsError(
      'HTTP_INSECURE',
      `refusing plain http to ${parsed.host}: anyone on the way could change what is read`,
      {
        hint: 'use the https URL, or add the registry with --allow-http if you accept the risk',
      },
    );
  }
  throw new SkillsError('HTTP_INSECURE', `refusing the ${parsed.protocol} URL ${printable(url)}`, {
    hint: 'registries are read over https (or plain http on loopback)',
  });
}
