// Calendars found by discovery, remembered by the settings that named them, so that a run with
// nothing to do does not spend requests finding the same calendar again.
import { eq } from 'drizzle-orm';
import { sha256 } from '../lib/sha256.ts';
import type { StateDatabase } from './open-database.ts';
import { discoveredCalendars } from './schema.ts';

export interface DiscoveredCalendar {
  collectionUrl: string;
  displayName: string;
}

export class DiscoveryCache {
  constructor(private readonly db: StateDatabase) {}

  static keyOf(side: string, url: string, username: string | undefined, calendar: string | undefined): string {
    return sha256(JSON.stringify([side, url, username ?? '', calendar ?? '']));
  }

  get(key: string): DiscoveredCalendar | undefined {
    return this.db.select().from(discoveredCalendars).where(eq(discoveredCalendars.settingsKey, key)).get();
  }

  set(key: string, calendar: DiscoveredCalendar): void {
    const row = { settingsKey: key, ...calendar, discoveredAt: new Date().toISOString() };
    this.db.insert(discoveredCalendars).values(row).onConflictDoUpdate({ target: discoveredCalendars.settingsKey, set: row }).run();
  }

  forget(key: string): void {
    this.db.delete(discoveredCalendars).where(eq(discoveredCalendars.settingsKey, key)).run();
  }
}
