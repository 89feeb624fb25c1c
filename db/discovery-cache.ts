// Calendars found by discovery, remembered by the settings that named them, so that a run with
// nothing to do does not spend requests finding the same calendar again; and the servers that want
// Digest, so that they are not sent Basic first again.
import { and, eq } from 'drizzle-orm';
import type { LoginMemory } from '../lib/http.ts';
import { sha256 } from '../lib/sha256.ts';
import type { StateDatabase } from './open-database.ts';
import { digestLogins, discoveredCalendars } from './schema.ts';

export interface DiscoveredCalendar {
  collectionUrl: string;
  displayName: string;
}

export class DiscoveryCache implements LoginMemory {
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

  wantsDigest(origin: string, username: string): boolean {
    return this.db.select().from(digestLogins).where(and(eq(digestLogins.origin, origin), eq(digestLogins.username, username))).get() !== undefined;
  }

  rememberLogin(origin: string, username: string, digest: boolean): void {
    if (digest) this.db.insert(digestLogins).values({ origin, username, learnedAt: new Date().toISOString() }).onConflictDoNothing().run();
    else this.db.delete(digestLogins).where(and(eq(digestLogins.origin, origin), eq(digestLogins.username, username))).run();
  }
}
