import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { EXIT, UserError } from '../lib/errors.ts';
import * as schema from './schema.ts';

export type StateDatabase = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Opens (creating if needed) the state database and brings its schema up to date.
 * The file holds calendar contents, so it is created readable by its owner only.
 */
export function openDatabase(path: string): StateDatabase {
  let client: Database.Database;
  try {
    if (path !== ':memory:' && !existsSync(path)) {
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    client = new Database(path);
  } catch (error) {
    throw new UserError(`cannot open the state database ${path}: ${(error as Error).message}; check SYNC_DB`, EXIT.config);
  }
  client.pragma('journal_mode = WAL');
  // In WAL mode NORMAL never corrupts and loses nothing when the process dies; only a power cut can
  // take the last transactions, and a copy written then is found again by its derived href.
  client.pragma('synchronous = NORMAL');
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  const db = drizzle(client, { schema });
  migrate(db, { migrationsFolder });
  return db;
}
