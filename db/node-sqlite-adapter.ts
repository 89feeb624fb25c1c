// Deno cannot load better-sqlite3 (its addon is built for the legacy V8 ABI) but has node:sqlite.
// This dresses node:sqlite's DatabaseSync in the part of better-sqlite3's interface that
// drizzle-orm's better-sqlite3 driver and this tool call, with better-sqlite3's meaning.
import { DatabaseSync, type StatementSync } from 'node:sqlite';

type SqlValue = Parameters<StatementSync['run']>[number];

// better-sqlite3 binds undefined as NULL, and drizzle leaves an absent placeholder value undefined;
// node:sqlite refuses it.
const bindable = (params: (SqlValue | undefined)[]) => params.map((value) => value ?? null);

class Statement {
  constructor(private readonly statement: StatementSync) {}

  run(...params: (SqlValue | undefined)[]) {
    return this.statement.run(...bindable(params));
  }

  get(...params: (SqlValue | undefined)[]) {
    return this.statement.get(...bindable(params));
  }

  all(...params: (SqlValue | undefined)[]) {
    return this.statement.all(...bindable(params));
  }

  /**
   * Rows as arrays from now on, as better-sqlite3's raw() does: drizzle reads selected fields by
   * position, so two columns of one name (a join) must not collapse into one object key.
   */
  raw(on = true): this {
    this.statement.setReturnArrays(on);
    return this;
  }
}

type Transaction<A extends unknown[], R> = ((...args: A) => R) & Record<'deferred' | 'immediate' | 'exclusive', (...args: A) => R>;

class NodeSqliteClient {
  constructor(private readonly db: DatabaseSync) {}

  prepare(sql: string): Statement {
    return new Statement(this.db.prepare(sql));
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    this.db.close();
  }

  /**
   * better-sqlite3's transaction(): drizzle calls the variant named by its `behavior`. Inside an
   * open transaction it is a savepoint, so an inner failure undoes only its own writes. SQLite may
   * already have rolled back by itself (a full disk, say), and then there is nothing to undo.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> {
    const wrap =
      (begin: string) =>
      (...args: A): R => {
        const nested = this.db.isTransaction;
        this.db.exec(nested ? 'SAVEPOINT inner' : begin);
        try {
          const result = fn(...args);
          this.db.exec(nested ? 'RELEASE inner' : 'COMMIT');
          return result;
        } catch (error) {
          if (this.db.isTransaction) this.db.exec(nested ? 'ROLLBACK TO inner; RELEASE inner' : 'ROLLBACK');
          throw error;
        }
      };
    return Object.assign(wrap('BEGIN'), { deferred: wrap('BEGIN DEFERRED'), immediate: wrap('BEGIN IMMEDIATE'), exclusive: wrap('BEGIN EXCLUSIVE') });
  }
}

export function openNodeSqlite(path: string): NodeSqliteClient {
  return new NodeSqliteClient(new DatabaseSync(path));
}
