import { compareVersions } from '../version.js';
import type { IndexLine } from './index-line.js';

/**
 * DESIGN §4 Lines: the highest SemVer precedence among the non-yanked versions, releases before
 * pre-releases; when every version is yanked, the highest of them; null when none remain.
 *
 * Decision: "the highest one" among all-yanked versions uses the same order (a release beats any
 * pre-release), so one comparison rules both cases. On equal versions the earlier line wins.
 */
export function latestOf(lines: readonly IndexLine[]): IndexLine | null {
  const live = lines.filter((line) => !line.yanked);
  let best: IndexLine | null = null;
  for (const line of live.length > 0 ? live : lines) {
    if (best === null || isAbove(line.version, best.version)) best = line;
  }
  return best;
}

function isAbove(version: string, than: string): boolean {
  const release = !version.includes('-');
  const thanRelease = !than.includes('-');
  if (release !== thanRelease) return release;
  return compareVersions(version, than) > 0;
}
