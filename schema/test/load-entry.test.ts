import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as load from '../src/load.js';
import { parseYaml } from '../src/yaml-text.js';

describe('@skills/schema/load', () => {
  it('gives the full YAML parser on demand', async () => {
    expect(await load.loadYamlParser()).toBe(parseYaml);
  });

  it('offers what reading installed skills needs', () => {
    expect(Object.keys(load).sort()).toEqual(
      expect.arrayContaining([
        'ERROR_CODES',
        'findProjectRoot',
        'parseOpenAiTool',
        'parseSimpleYaml',
        'parseSkillMdText',
        'skillsHomeDir',
        'splitFrontmatter',
      ]),
    );
  });

  it('imports nothing that loads ajv, semver, yaml or the line types', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(new URL(file, import.meta.url), 'utf8');
      // Static imports only: `import type` is erased, `await import()` is on demand.
      for (const match of text.matchAll(/^(?:import|export)(?! type)[^;]*? from '([^']+)';/gms)) {
        const target = match[1] ?? '';
        expect(target, `${file} imports ${target}`).toMatch(/^(node:|\.\/)/);
        if (target.startsWith('./'))
          visit(new URL(target.replace(/\.js$/, '.ts'), new URL(file, import.meta.url)).href);
      }
    };
    visit('../src/load.ts');
    expect(seen.size).toBeGreaterThanOrEqual(8);
    expect([...seen].map((file) => file.replace(/^.*\/src\//, ''))).not.toContain('yaml-text.ts');
    expect([...seen].some((file) => file.endsWith('manifest.ts'))).toBe(false);
  });
});
