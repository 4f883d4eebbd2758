import { defineConfig } from 'vitest/config';

const workspaces = ['schema', 'index-builder', 'registry-api', 'cli', 'loader'];

export default defineConfig({
  test: {
    projects: workspaces.map((name) => ({
      extends: true,
      test: {
        name,
        root: `./${name}`,
        include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      },
    })),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: true,
    coverage: {
      provider: 'v8',
      // Matched against each project's root as well as this one, hence the leading `**/`; listing
      // the sources (not only what tests import) makes an untested file count as uncovered.
      include: ['**/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.d.ts', '**/dist/**', '**/node_modules/**'],
      reporter: ['text-summary', 'json-summary'],
      // 80 % lines per workspace, enforced. A workspace without code yet has nothing to measure.
      thresholds: Object.fromEntries(workspaces.map((name) => [`${name}/src/**/*.ts`, { lines: 80 }])),
    },
  },
});
