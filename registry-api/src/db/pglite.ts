import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.js';

/**
 * Embedded PostgreSQL (PGlite). It is one session: transactions go through its own
 * `transaction()`, which queues everything else, never through raw BEGINs (DESIGN §1).
 */
export interface PgliteDatabase extends Database {
  /** A copy of the database's files, to open fresh copies quickly (tests clone a template). */
  dump(): Promise<Blob>;
}

export function openPglite(options: { dataDir?: string; loadDataDir?: Blob } = {}): PgliteDatabase {
  const db = new PGlite({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.loadDataDir === undefined ? {} : { loadDataDir: options.loadDataDir }),
  });
  const run = async <R>(
    target: { query: PGlite['query'] },
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<R>> => {
    const result = await target.query<Record<string, unknown>>(sql, params as unknown[] | undefined);
    // PGlite reports affectedRows 0 for a SELECT; pg reports the rows it returned.
    return {
      rows: result.rows.map(withBuffers) as R[],
      rowCount: Math.max(result.affectedRows ?? 0, result.rows.length),
    };
  };
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    exec: async (sql) => {
      await db.exec(sql);
    },
    tx: (fn) =>
      db.transaction(async (tx) => {
        const q: Queryable = {
          query: (sql, params) => run(tx, sql, params),
          exec: async (sql) => {
            await tx.exec(sql);
          },
        };
        return fn(q);
      }),
    async listen(channel, onNotify) {
      const stop = await db.listen(channel, onNotify);
      return stop;
    },
    close: () => db.close(),
    dump: async () => (await db.dumpDataDir('none')) as Blob,
  };
}

/** The pg driver answers bytea as Buffer; so do we. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      row[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return row;
}
