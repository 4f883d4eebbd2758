/** A result: rows with columns as named in the SQL; bigint as number, bytea as Buffer. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Something SQL runs on: the database, or one transaction of it. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The one query interface of the registry, with two implementations: `pg` when DATABASE_URL is
 * set, embedded PGlite otherwise. Code above it never knows which.
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves to a function that stops listening. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
