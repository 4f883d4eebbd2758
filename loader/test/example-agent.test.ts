import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sandbox } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const AGENT = path.join(EXAMPLES, 'agent-using-loader', 'agent.mjs');
const SKILL_FOLDERS = readdirSync(EXAMPLES)
  .filter((name) => existsSync(path.join(EXAMPLES, name, 'SKILL.md')))
  .sort();

/** A home with every example skill installed globally, as the CLI would install them. */
async function exampleHome() {
  const box = sandbox();
  for (const folder of SKILL_FOLDERS) await box.global.installFolder(path.join(EXAMPLES, folder));
  return box;
}

function runAgent(box: Awaited<ReturnType<typeof exampleHome>>, cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [AGENT, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: box.userHome, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  // Paths differ on every run; the rest is compared exactly.
  const clean = (text: string) => text.replaceAll(box.global.dir, '$SKILLS_HOME');
  return { status: result.status, stdout: clean(result.stdout), stderr: clean(result.stderr) };
}

describe('examples/agent-using-loader', () => {
  it('is no skill package, so nothing publishes or validates it as one', () => {
    const dir = path.dirname(AGENT);
    expect(existsSync(path.join(dir, 'SKILL.md'))).toBe(false);
    expect(existsSync(path.join(dir, 'skill.yaml'))).toBe(false);
    expect(SKILL_FOLDERS).not.toContain('agent-using-loader');
    expect(SKILL_FOLDERS.length).toBeGreaterThanOrEqual(6);
  });

  it('prints the prompt block with every installed skill and the OpenAI tools', async () => {
    const box = await exampleHome();
    const { status, stdout, stderr } = runAgent(box, box.root);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const [project, prompt, tools] = stdout.split(/^# (?:System prompt|OpenAI tools)\n/m);
    expect(project).toBe('# Project\n(none: only the global skills are used)\n\n');
    const names = [...(prompt ?? '').matchAll(/<name>(.+)<\/name>/g)].map((m) => m[1]);
    expect(names).toEqual(SKILL_FOLDERS);
    expect(prompt).toContain(
      '    <location>$SKILLS_HOME/dependency-audit/0.4.1/SKILL.md</location>\n  </skill>\n',
    );
    expect(prompt).toMatch(
      /^You are a coding agent\.[^]*\n<available_skills>\n[^]*<\/available_skills>\n\n$/,
    );
    const [json, routing] = (tools ?? '').split(/\n(?=# )/);
    const parsed = JSON.parse(json ?? '') as { function: { name: string } }[];
    expect(parsed.map((tool) => tool.function.name)).toEqual(['audit_dependencies']);
    expect(routing).toBe('# audit_dependencies -> dependency-audit\n');
  });

  it('uses the project skills, checks integrity, activates a skill and reports problems on stderr', async () => {
    const box = await exampleHome();
    box.project.install({ name: 'local-only', version: '1.0.0', description: 'Only in this project.' });
    writeFileSync(
      path.join(box.global.dir, 'sql-review', '1.0.2', 'references', 'postgres-locks.md'),
      'changed\n',
    );
    const { status, stdout, stderr } = runAgent(
      box,
      box.projectDir,
      '--format',
      'markdown',
      '--integrity',
      '--activate',
      'code-review',
    );
    expect(status).toBe(0);
    expect(stdout).toContain(`# Project\n${box.projectDir}\n`);
    expect(stdout).toContain('- **local-only**: Only in this project.\n');
    expect(stdout).toMatch(/# Activated code-review@1\.4\.0 \(global, \d+ files\)\n# Code review\n/);
    expect(stderr).toMatch(
      /^error: SKILL_DIGEST_MISMATCH: references\/postgres-locks.md of sql-review@1.0.2 has sha256 [0-9a-f]{64}, but index.json records [0-9a-f]{64} \(The file was changed/,
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stdout).not.toContain('sql-review');
  });

  it('runs with nothing installed', () => {
    const box = sandbox();
    const result = runAgent(box as Awaited<ReturnType<typeof exampleHome>>, box.root);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('(no skills are installed)\n\n# OpenAI tools\n[]\n');
  });

  it('fails when the skill to activate is not installed', () => {
    const box = sandbox();
    const result = runAgent(box as Awaited<ReturnType<typeof exampleHome>>, box.root, '--activate', 'nope');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: SKILL_NOT_INSTALLED: the skill "nope" is not installed/);
  });
});
