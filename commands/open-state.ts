// The state database for the commands that read or tidy it: it must exist already.
import { existsSync } from 'node:fs';
import { openDatabase, type StateDatabase } from '../db/open-database.ts';
import { stateDbPath } from '../lib/config.ts';
import { EXIT, UserError } from '../lib/errors.ts';

export function openExistingState(flags: { config?: string; db?: string }): StateDatabase {
  const path = stateDbPath(flags, process.env);
  if (!existsSync(path)) throw new UserError(`there is no state database at ${path}; a sync makes it (give --db or --config if it is elsewhere)`, EXIT.config);
  return openDatabase(path);
}
