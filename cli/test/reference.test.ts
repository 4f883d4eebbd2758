import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { commands, getCli } from '../src/cli.js';
import { dedent, renderReference } from '../src/reference.js';

describe('docs/CLI_REFERENCE.md', () => {
  it('is what the commands’ own usage says (regenerate with `npm run build && npm run docs -w @skills/cli`)', async () => {
    const intro = await readFile(new URL('../reference-intro.md', import.meta.url), 'utf8');
    const committed = await readFile(new URL('../../docs/CLI_REFERENCE.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderReference(getCli(), commands, intro));
  });

  it('documents every command, with its options and examples', () => {
    const text = renderReference(getCli(), commands, '# intro');
    for (const command of commands)
      for (const path of command.paths ?? []) expect(text).toContain(`### \`skills ${path.join(' ')}`);
    expect(text).toContain('| `--allow-http` |');
    expect(text).not.toContain('| `--json` |');
  });

  it('strips the indentation of usage details', () => {
    expect(dedent('\n      First line.\n\n        Indented more.\n    ')).toBe(
      'First line.\n\n  Indented more.',
    );
  });
});
