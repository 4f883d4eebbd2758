import type { CommandClass, Usage } from './clipanion.js';
import type { SkillsContext } from './base-command.js';
import type { SkillsCli } from './cli.js';

/** Options every command takes; the reference's introduction describes them once. */
const COMMON_OPTIONS = new Set(['--json', '--verbose', '--registry #0']);

/**
 * docs/CLI_REFERENCE.md: `intro` (conventions written by hand), then one section per command built
 * from its own usage — description, details, options and examples — so the reference says exactly
 * what `skills <command> --help` says. A test fails when the committed file differs.
 */
export function renderReference(
  cli: SkillsCli,
  commands: ReadonlyArray<CommandClass<SkillsContext>>,
  intro: string,
): string {
  const definitions = new Map(cli.definitions().map((definition) => [definition.path, definition]));
  const sections: string[] = [intro.trimEnd()];
  let category: string | undefined;
  for (const command of commands) {
    const usage: Usage = command.usage ?? {};
    for (const path of command.paths ?? []) {
      const definition = definitions.get(['skills', ...path].join(' '));
      if (definition === undefined) continue;
      if (usage.category !== undefined && usage.category !== category) {
        category = usage.category;
        sections.push(`## ${category}`);
      }
      sections.push(commandSection(definition.usage, usage, definition.options));
    }
  }
  return `${sections.join('\n\n')}\n`;
}

function commandSection(
  line: string,
  usage: Usage,
  options: ReadonlyArray<{ definition: string; description?: string }>,
): string {
  const parts = [`### \`${line}\``];
  if (usage.description !== undefined) parts.push(sentence(usage.description));
  if (usage.details !== undefined) parts.push(dedent(usage.details));
  const own = options.filter((option) => !COMMON_OPTIONS.has(option.definition));
  if (own.length > 0) {
    parts.push(
      [
        '| Option | Meaning |',
        '| --- | --- |',
        ...own.map(
          (option) =>
            `| \`${option.definition.replace(/ #0/g, ' <value>').replace(/\|/g, '\\|')}\` | ${cell(option.description ?? '')} |`,
        ),
      ].join('\n'),
    );
  }
  if (usage.examples !== undefined && usage.examples.length > 0) {
    const lines = usage.examples.map(
      ([what, example]) => `# ${what.trim()}\n${example.replace(/^\$0/, 'skills')}`,
    );
    parts.push(['```sh', lines.join('\n\n'), '```'].join('\n'));
  }
  return parts.join('\n\n');
}

/** A usage description ("add a registry") as a sentence ("Add a registry."). */
function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}`;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Clipanion's `details` are indented template strings: strip the common indentation. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const cut = Math.min(...indents);
  return lines.map((line) => line.slice(cut).trimEnd()).join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
