import { printable, UsageError } from '@skills/schema';
import { queryTerms, search } from '@skills/schema/ranking';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { selectRegistry } from '../registry/select.js';
import { CatalogFile } from '../sync/catalog-file.js';
import { localCatalog } from '../sync/local-catalog.js';

const MAX_LIMIT = 1000;

export class SearchCommand extends BaseCommand {
  static override paths = [['search']];

  static override usage = Command.Usage({
    category: 'Search and sync',
    description: 'search the synced catalog of a registry',
    details: `
      Searches offline, over the catalog \`skills sync\` keeps, with the same ranking as the registry's search endpoint: an exact name first, then names the query starts, then matches of each word in names, keywords and descriptions (every word must match; small typos in longer words are forgiven).

      When the catalog is older than \`syncMaxAgeSeconds\` of \`$SKILLS_HOME/config.json\` (default one hour), it syncs first; if the registry does not answer, the old copy is searched, with a warning.
    `,
    examples: [
      ['Search for skills about code review', '$0 search code review'],
      ['The ten best matches, as JSON', '$0 search pdf --limit 10 --json'],
    ],
  });

  limit = Option.String('--limit', { description: `How many results to show (1-${MAX_LIMIT}, default 20)` });
  query = Option.Rest({ name: 'query', required: 1 });

  async execute(): Promise<number> {
    const query = this.query.join(' ');
    const limit = this.limit === undefined ? 20 : Number(this.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new UsageError(
        `--limit "${printable(this.limit ?? '')}" is not a number from 1 to ${MAX_LIMIT}`,
        {
          hint: 'e.g. --limit 10',
        },
      );
    }
    if (queryTerms(query).length === 0) {
      throw new UsageError(`"${printable(query)}" has no words to search for`, {
        hint: 'search for letters or digits, e.g. `skills search code review`',
      });
    }
    const selected = await selectRegistry(this.session, this.registry);
    const local = await localCatalog(this.session, selected, {
      sync: 'if-stale',
      progress: (line) => this.report.progress(line),
      warn: (warning) => this.report.warning(warning),
    });
    const file = CatalogFile.open(local.paths.catalog)!;
    let found;
    try {
      found = search(file.searchIndex(), query, { limit });
    } finally {
      file.close();
    }
    const { out } = this.report;
    if (found.results.length === 0) this.report.result(`No skills match "${printable(query)}".`);
    for (const result of found.results) {
      const score = this.verbose ? out.dim(` (${result.score})`) : '';
      this.report.result(`${out.bold(result.name)}@${result.version}${score}  ${result.description}`);
    }
    if (found.total > found.results.length) {
      this.report.result(out.dim(`… ${found.total - found.results.length} more (use --limit)`));
    }
    return this.report.success({
      registry: selected.name ?? selected.record.location,
      synced_at: local.syncedAt,
      total: found.total,
      results: found.results,
    });
  }
}
