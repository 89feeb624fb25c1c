import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { EXIT, UserError } from '../lib/errors.ts';
import * as schema from './schema.ts';

/** What the tool and its tests call on the SQLite connection beneath drizzle, under Node and Deno alike. */
export interface SqliteClient {
  prepare(sql: string): {
    run(...params: unknown[]): { changes: number | bigint };
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
  exec(sql: string): void;
  close(): void;
}

export type StateDatabase = BetterSQLite3Database<typeof schema> & { $client: SqliteClient };

/**
 * Node 20 has no node:sqlite and Deno cannot load better-sqlite3's addon, so each runtime imports
 * only the driver it can load.
 */
async function clientOpener(): Promise<(path: string) => SqliteClient> {
  if ('Deno' in globalThis) return (await import('./node-sqlite-adapter.ts')).openNodeSqlite;
  const { default: Database } = await import('better-sqlite3');
  return (path) => new Database(path);
}

const openClient = await clientOpener();

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Opens (creating if needed) the state database and brings its schema up to date.
 * The file holds calendar contents, so it is created readable by its owner only.
 */
export function openDatabase(path: string): StateDatabase {
  let client: SqliteClient;
  try {
    if (path !== ':memory:' && !existsSync(path)) {
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    client = openClient(path);
  } catch (error) {
    throw new UserError(`cannot open the state database ${path}: ${(error as Error).message}; check SYNC_DB`, EXIT.config);
  }
  client.exec('PRAGMA journal_mode = WAL');
  // In WAL mode NORMAL never corrupts and loses nothing when the process dies; only a power cut can
  // take the last transactions, and a copy written then is found again by its derived href.
  client.exec('PRAGMA synchronous = NORMAL');
  client.exec('PRAGMA foreign_keys = ON');
  client.exec('PRAGMA busy_timeout = 5000');
  // drizzle's types name better-sqlite3; under Deno the adapter stands in for it.
  const db = drizzle(client as unknown as Database.Database, { schema });
  migrate(db, { migrationsFolder });
  return db;
}
