#!/usr/bin/env node
// Drafts a Keep a Changelog section from the Conventional Commits in a git range.
// Usage: node draft-changelog.mjs [--from <ref>] [--to <ref>] [--version <x.y.z>] [--date <yyyy-mm-dd>] [--all]
// --from defaults to the latest tag before --to (or the first commit), --to to HEAD.
// The draft goes to stdout; the agent edits it before it goes into CHANGELOG.md.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string', default: 'HEAD' },
    version: { type: 'string' },
    date: { type: 'string', default: new Date().toISOString().slice(0, 10) },
    all: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: draft-changelog.mjs [--from <ref>] [--to <ref>] [--version <x.y.z>] [--date <yyyy-mm-dd>] [--all]',
  );
  process.exit(0);
}

function git(args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Looks from the parent of --to, so drafting an already tagged release finds the tag before it.
function previousTag(ref) {
  try {
    return git(['describe', '--tags', '--abbrev=0', `${ref}^`]).trim();
  } catch {
    return undefined; // no tag yet: take the whole history
  }
}

const to = values.to;
const from = values.from ?? previousTag(to);
const range = from ? `${from}..${to}` : to;

// Unit and record separators keep multi-line bodies intact.
let log;
try {
  log = git(['log', '--no-merges', '--format=%h%x1f%s%x1f%b%x1e', range]);
} catch (err) {
  console.error(`error: git log ${range} failed: ${String(err.stderr ?? err.message).trim()}`);
  process.exit(1);
}

const HEADER = /^(?<type>[a-z]+)(?:\((?<scope>[^)]+)\))?(?<bang>!)?: (?<subject>.+)$/;
const SECTIONS = ['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security', 'Other'];
const TYPE_TO_SECTION = { feat: 'Added', fix: 'Fixed', perf: 'Changed', revert: 'Removed' };
const entries = Object.fromEntries(SECTIONS.map((s) => [s, []]));
const unparsed = [];

for (const record of log.split('\x1e')) {
  const [hash, subject, body = ''] = record.trim().split('\x1f');
  if (!hash || !subject) continue;
  const m = HEADER.exec(subject);
  if (!m?.groups) {
    unparsed.push(`${subject} (${hash})`);
    continue;
  }
  const { type, scope, bang, subject: text } = m.groups;
  const breaking = Boolean(bang) || /^BREAKING[ -]CHANGE: /m.test(body);
  let section = TYPE_TO_SECTION[type];
  if (/\bsecurity\b|\bCVE-\d{4}-\d+/i.test(`${scope ?? ''} ${text} ${body}`)) section = 'Security';
  if (/^deprecate/i.test(text)) section = 'Deprecated';
  if (breaking && !section) section = 'Changed';
  if (!section) {
    if (!values.all) continue;
    section = 'Other';
  }
  const prefix = breaking ? '**BREAKING:** ' : '';
  const where = section === 'Other' ? `${type}${scope ? `(${scope})` : ''}: ` : scope ? `${scope}: ` : '';
  entries[section].push(`- ${prefix}${where}${text} (${hash})`);
}

const title = values.version ? `## [${values.version}] - ${values.date}` : '## [Unreleased]';
const out = [title, ''];
for (const section of SECTIONS) {
  if (entries[section].length === 0) continue;
  // Breaking entries first; sort is stable, so the rest keep git log order (newest first).
  const isBreaking = (line) => Number(line.startsWith('- **BREAKING:**'));
  const lines = [...entries[section]].sort((a, b) => isBreaking(b) - isBreaking(a));
  out.push(`### ${section}`, '', ...lines, '');
}
if (out.length === 2) out.push('_No user-facing changes in this range._', '');
console.log(out.join('\n').trimEnd());

if (unparsed.length > 0) {
  console.error(
    `\nwarning: ${unparsed.length} commit(s) in ${range} are not Conventional Commits; sort them by hand:`,
  );
  for (const line of unparsed) console.error(`  ${line}`);
}
