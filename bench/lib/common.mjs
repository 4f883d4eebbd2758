// Shared by the benchmarks: the vocabulary of generated skills, a seeded random generator, and
// small reporting helpers.

/** Words of skill topics; generated names, descriptions and keywords are made of them. */
export const WORDS = (
  'pdf excel docx pptx csv json yaml toml xml markdown latex slides chart plot image video audio ' +
  'speech voice ocr translate summarize search web scrape browser crawl email slack discord calendar ' +
  'notes todo task plan research paper cite review code test lint format refactor debug profile trace ' +
  'log metrics deploy docker kube helm terraform aws azure gcp cloud sql postgres mysql sqlite mongo redis ' +
  'kafka queue stream cron schedule api http rest graphql grpc webhook auth oauth jwt secrets vault audit ' +
  'scan security crypto finance invoice tax legal contract health recipe travel weather maps geo math ' +
  'stats data model prompt agent memory context tool mcp workflow pipeline etl release changelog semver ' +
  'commit branch merge issue ticket jira github gitlab ci build bundle package npm pip cargo docs wiki ' +
  'readme style guide brand copy seo ads crm sales support chat bot archive backup sync s3 ssh dns cert ' +
  'proxy cache react vue svelte node python rust go java swift kotlin shell bash regex figma design ' +
  'helper kit tools pro lite fast smart auto mini super open easy quick deep multi'
).split(' ');

export const LICENSES = ['MIT', 'MIT', 'Apache-2.0', 'ISC', 'BSD-3-Clause', 'MIT OR Apache-2.0', 'MPL-2.0'];

/** A small seeded PRNG (mulberry32): the same seed gives the same data on every machine. */
export function mulberry32(seed) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Progress goes to stderr, so stdout holds only the report. */
export function progress(message) {
  process.stderr.write(`${message}\n`);
}
