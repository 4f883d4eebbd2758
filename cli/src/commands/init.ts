import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from '../clipanion.js';
import { UsageError, validateName } from '@skills/schema';
import { BaseCommand } from '../base-command.js';
import { displayPath } from '../package-check.js';

const DESCRIPTION = 'Describe what this skill does and when an agent should use it.';

export class InitCommand extends BaseCommand {
  static override paths = [['init']];

  static override usage = Command.Usage({
    category: 'Packages',
    description: 'create a new skill package',
    details: `
      Writes a package that passes \`skills validate\` as it is: \`SKILL.md\` (the instructions an agent reads, with headings to fill in), \`skill.yaml\` (the manifest: name, version 0.1.0, description, license MIT) and \`docs/README.md\`. An existing \`docs/README.md\` is kept.

      The folder is created when missing. The skill is named after the folder unless \`--name\` says otherwise; a name that breaks the name rules is a usage error (exit 2) before anything is written, and when the folder's name is the problem the hint suggests one. Nothing is written when the folder already holds a \`SKILL.md\` or a \`skill.yaml\` (exit 2).

      JSON: \`{"ok":true,"dir":"<absolute path>","name":"pdf-tools","files":["SKILL.md","skill.yaml","docs/README.md"],"warnings":[]}\`.
    `,
    examples: [
      ['Create a skill in the current folder, named after it', '$0 init'],
      ['Create the folder pdf-tools and a skill named pdf-tools in it', '$0 init pdf-tools'],
      ['Name the skill explicitly', '$0 init --name pdf-tools ./PdfTools'],
    ],
  });

  name = Option.String('--name', {
    description: 'The skill name (lowercase letters, digits, hyphens); defaults to the folder name',
  });

  dir = Option.String({ name: 'dir', required: false });

  async execute(): Promise<number> {
    const dir = this.resolvePath(this.dir);
    const shownDir = displayPath(this.context.cwd ?? process.cwd(), dir);
    const name = this.name ?? path.basename(dir);
    checkName(name, this.name === undefined);
    const info = await stat(dir).catch(() => null);
    if (info !== null && !info.isDirectory()) {
      throw new UsageError(`${shownDir} exists and is not a folder`, {
        hint: 'pass the folder to create the skill in',
      });
    }

    for (const file of ['SKILL.md', 'skill.yaml']) {
      if (await exists(path.join(dir, file))) {
        throw new UsageError(`${shownDir} already holds a ${file}: refusing to overwrite a package`, {
          hint: 'run `skills init` in an empty folder, or edit the existing files',
        });
      }
    }

    await mkdir(path.join(dir, 'docs'), { recursive: true });
    const files: string[] = [];
    for (const [file, text] of Object.entries(templates(name))) {
      // `wx`: never overwrite, even a file created since the check above.
      const written = await writeFile(path.join(dir, file), text, { flag: 'wx' }).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST' && file === 'docs/README.md') return false;
          throw error;
        },
      );
      if (written) files.push(file);
    }

    const { out } = this.report;
    this.report.result(`Created the skill ${out.bold(name)} in ${shownDir}`);
    for (const file of files) this.report.result(`  ${file}`);
    this.report.result(
      `Next: describe the skill in SKILL.md, then run \`skills validate${shownDir === '.' ? '' : ` ${shownDir}`}\``,
    );
    return this.report.success({ dir, name, files });
  }
}

/** A bad name is a usage error; the hint suggests a valid one when the folder name is close. */
function checkName(name: string, fromFolder: boolean): void {
  const [issue] = validateName(name, fromFolder ? 'folder name' : '--name');
  if (issue === undefined) return;
  const suggestion = suggestName(name);
  if (fromFolder) {
    throw new UsageError(`cannot name the skill after its folder: ${issue.message}`, {
      hint:
        suggestion === null
          ? 'name the skill with --name <name> (lowercase letters, digits and single hyphens)'
          : `name the skill with --name ${suggestion}, or rename the folder`,
    });
  }
  throw new UsageError(`--name: ${issue.message}`, {
    hint:
      suggestion === null || suggestion === name
        ? 'choose another name: lowercase letters, digits and single hyphens, not a reserved word'
        : `try --name ${suggestion}`,
  });
}

function suggestName(name: string): string | null {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
  return validateName(slug).length === 0 ? slug : null;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function templates(name: string): Record<string, string> {
  return {
    'SKILL.md': `---
name: ${name}
description: ${DESCRIPTION}
---

# ${name}

## When to use this skill

Describe the tasks and requests this skill is for, and the ones it is not for.

## Instructions

1. Write the steps an agent should follow, in order.
2. Name the tools, files or commands each step needs.

## Examples

Show a typical request and what a good answer looks like.
`,
    'skill.yaml': `name: ${name}
version: 0.1.0
description: ${DESCRIPTION}
license: MIT
keywords: []
`,
    'docs/README.md': `# ${name}

${DESCRIPTION}

## Install

\`\`\`sh
skills install ${name}
\`\`\`

## Usage

Explain how to use the skill: what to ask the agent, and what it needs (tools, files, access).
`,
  };
}
