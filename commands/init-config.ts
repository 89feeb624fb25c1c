// `init`: asks for the two calendars, proves each login by listing the account's calendars, lets
// the user pick one, and writes config.env (mode 0600) from config.env.example. Nothing is written
// until every answer is in.
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EndpointSettings } from '../lib/config.ts';
import type { DiscoveredCalendar } from '../lib/endpoints/caldav-calendar.ts';
import { listSide, type Side } from '../lib/endpoints/list-calendars.ts';
import { endpointKind, openSource } from '../lib/endpoints/open-endpoints.ts';
import { EXIT, UserError } from '../lib/errors.ts';
import { newRequestStats } from '../lib/http.ts';
import { DEFAULT_NETWORK_POLICY } from '../lib/retry-policy.ts';
import { AnswersEnded, askInTerminal, type Questions } from './ask-in-terminal.ts';
import { configFileText } from './config-file-text.ts';
import { accountText, calendarRows, holdsEvents } from './list-calendars.ts';

interface SideAnswers {
  url: string;
  username: string;
  password: string;
  calendar: string;
}

const ASKED = {
  source: { title: 'Source: the calendar that is the truth.', what: 'CalDAV server or calendar URL, .ics feed URL, or .ics file' },
  target: { title: 'Target: the calendar that receives one copy per occurrence.', what: 'CalDAV server or calendar URL, or a local folder' },
};

// A failed listing is asked again at once, so retrying it would only keep the user waiting.
const NETWORK = { ...DEFAULT_NETWORK_POLICY, maxAttempts: 1 };

/** The display name when it names this calendar alone (and survives the config's trimming), else the URL. */
function calendarSetting(chosen: DiscoveredCalendar, calendars: DiscoveredCalendar[]): string {
  const name = chosen.displayName;
  const unique = calendars.filter((calendar) => calendar.displayName === name).length === 1;
  return name !== '' && name === name.trim() && unique ? name : chosen.url;
}

async function pickCalendar(calendars: DiscoveredCalendar[], preselected: number, questions: Questions): Promise<DiscoveredCalendar> {
  for (;;) {
    const answer = await questions.ask(`  Which one (1-${calendars.length})`, preselected >= 0 ? String(preselected + 1) : undefined);
    const chosen = /^\d+$/.test(answer) ? calendars[Number(answer) - 1] : undefined;
    if (!chosen) questions.say(`  answer with a number from 1 to ${calendars.length}`);
    else if (!holdsEvents(chosen)) questions.say(`  "${chosen.displayName}" holds no events (${chosen.components.join(', ')} only); pick another`);
    else return chosen;
  }
}

/** One side's answers, asked again from the URL on until its login and calendar check out. */
async function askSide(side: Side, questions: Questions): Promise<SideAnswers> {
  questions.say('');
  questions.say(ASKED[side].title);
  let earlier: { url?: string; username?: string } = {};
  for (;;) {
    const typed = await questions.ask(`  URL (${ASKED[side].what})`, earlier.url);
    if (typed === '') {
      questions.say('  a URL or a path is needed');
      continue;
    }
    try {
      const kind = endpointKind(side, typed);
      if (kind === 'file' || kind === 'folder') return { url: resolve(typed), username: '', password: '', calendar: '' };
      const url = new URL(typed).href;
      const username = await questions.ask('  Username (empty for none)', earlier.username);
      const password = username === '' ? '' : await questions.askSecret('  Password');
      earlier = { url, username };
      const settings: EndpointSettings = { url, username, password, network: NETWORK };
      if (kind === 'feed') {
        const feed = await openSource(settings, newRequestStats());
        const read = await feed.changesSince(null);
        questions.say(`  the feed answered with ${read.kind === 'full' ? read.objects.length : 0} events`);
        return { url, username, password, calendar: '' };
      }
      const listing = await listSide(side, settings, newRequestStats());
      if (listing.kind !== 'caldav') throw new Error(`${url} was taken for CalDAV, then listed as ${listing.kind}`);
      const { calendars } = listing;
      if (calendars.length === 0) {
        questions.say('  the account has no calendar: create one on the server, or give another URL');
        continue;
      }
      questions.say(`  ${accountText(listing)}:`);
      const width = String(calendars.length).length + 1;
      for (const row of calendarRows(calendars, calendars.map((_, i) => `${i + 1}.`.padStart(width)))) questions.say(row);
      const chosen = await pickCalendar(calendars, calendars.findIndex((calendar) => calendar.selected), questions);
      return { url, username, password, calendar: calendarSetting(chosen, calendars) };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      questions.say(`  error: ${error.message}`);
    }
  }
}

const shellWord = (word: string) => (/^[\w./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export async function initConfig(options: { config?: string; force?: boolean }): Promise<number> {
  const path = options.config ?? 'config.env';
  if (existsSync(path) && !options.force) throw new UserError(`${path} already exists; give --force to replace it, or --config for another file`);
  const questions = askInTerminal();
  try {
    questions.say(`Writes ${path} for a sync of a source calendar into a target calendar. Ctrl-C stops, writing nothing.`);
    const source = await askSide('source', questions);
    const target = await askSide('target', questions);
    const text = configFileText({
      SOURCE_URL: source.url,
      SOURCE_USERNAME: source.username,
      SOURCE_PASSWORD: source.password,
      SOURCE_CALENDAR: source.calendar,
      TARGET_URL: target.url,
      TARGET_USERNAME: target.username,
      TARGET_PASSWORD: target.password,
      TARGET_CALENDAR: target.calendar,
    });
    // Replaced rather than written over, so that the file has mode 0600 before it holds a password.
    if (existsSync(path)) unlinkSync(path);
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
    const config = shellWord(path);
    questions.say('');
    questions.say(`Wrote ${path} (mode 0600). Next:`);
    const dryRun = `npx tsx sync.ts --config ${config} --dry-run`;
    questions.say(`  ${dryRun}   what a sync would do; writes nothing`);
    questions.say(`  ${`npx tsx sync.ts --config ${config}`.padEnd(dryRun.length)}   the sync; run it as often as you like`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof AnswersEnded)) throw error;
    if (error.by === 'eof') throw new UserError('the answers ended before init was done; nothing was written', EXIT.config);
    throw new UserError('init stopped by Ctrl-C; nothing was written', EXIT.interruptedBySigint);
  } finally {
    questions.close();
  }
}
