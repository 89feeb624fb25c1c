// A seeded randomized model test against real Radicale and Xandikos. A sequence of source edits,
// source additions and deletions, target edits and deletions of copies, and CLI runs is drawn from a
// seeded PRNG. The test keeps its own model of the source calendar and computes the expected
// occurrences itself with plain UTC arithmetic (never with project code). After every run it checks:
// exit code 0 and the counts that follow from the model, the target's copies equal the expected
// occurrences exactly, every foreign object is untouched (same bytes, same ETag), and no copy exists
// twice. After the last run a further run must change nothing.
//
// Seeds: MODEL_SEEDS=1,2,3 (exact seeds) or MODEL_SEED_COUNT=N (N fresh random seeds, named in the
// test titles); MODEL_STEPS=N changes the number of steps per seed. Every failure names the seed, the
// step and the command that replays it, with the steps taken so far.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ICAL from 'ical.js';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli, summaryCounts, type CliResult } from './harness/run-cli.ts';

const DEFAULT_SEEDS = [1, 20261001, 424242];
const DEFAULT_STEPS = 22;
/** A run is forced when this many steps went by without one. */
const MAX_STEPS_BETWEEN_RUNS = 4;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The window of every run: [2026-10-01T00:00Z, 2026-11-01T00:00Z). */
const WINDOW_ARGS = ['--from', '2026-10-01', '--to', '2026-11-01'];
const WINDOW_START = Date.UTC(2026, 9, 1);
const WINDOW_END = Date.UTC(2026, 10, 1);
/** Starts right at the edges of the window (with durations of 30..120 minutes). */
const EDGE_STARTS = [WINDOW_START - 2 * HOUR, WINDOW_START - HOUR, WINDOW_START - 30 * MINUTE, WINDOW_START, WINDOW_END - 30 * MINUTE, WINDOW_END];
const DURATIONS_MIN = [30, 60, 90, 120];

function seedsToRun(): number[] {
  if (process.env.MODEL_SEEDS) return process.env.MODEL_SEEDS.split(',').map((s) => Number(s.trim()));
  if (process.env.MODEL_SEED_COUNT) return Array.from({ length: Number(process.env.MODEL_SEED_COUNT) }, () => randomInt(1, 2 ** 31));
  return DEFAULT_SEEDS;
}
/** Drawn once, so that both servers run the same seeds. */
const SEEDS = seedsToRun();
const STEPS = Number(process.env.MODEL_STEPS ?? DEFAULT_STEPS);

// ---------------------------------------------------------------------------------------------
// The PRNG (mulberry32): the same seed gives the same sequence of steps on every server.

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------
// The model of the source: single events and simple UTC series, occurrences by index.

interface Override {
  /** The override's start minus its occurrence's original start; |shift| < 12 h, so no two occurrences of a series meet. */
  shift: number;
  summary: string;
  minutes: number;
  cancelled: boolean;
}

interface ModelEvent {
  id: number;
  uid: string;
  file: string;
  summary: string;
  start: number;
  minutes: number;
  endStyle: 'dtend' | 'duration';
  rule: { freq: 'DAILY' | 'WEEKLY'; interval: number; count: number } | null;
  /** Excluded occurrences, by index (0 is DTSTART). */
  exdates: Set<number>;
  overrides: Map<number, Override>;
}

interface Occurrence {
  /** "source-uid recurrence-id" (recurrence-id absent for a single event), as the markers say. */
  key: string;
  /** The line describeCopies gives for the copy. */
  line: string;
}

/** YYYYMMDDTHHMMSSZ. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Whole hours and minutes, as servers and ical.js write them back: PT30M, PT1H, PT1H30M, PT2H. */
function durationText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}`;
}

function stepOf(rule: NonNullable<ModelEvent['rule']>): number {
  return rule.interval * (rule.freq === 'DAILY' ? DAY : 7 * DAY);
}

/** The original start of occurrence i: UTC, so adding whole days is exact. */
function originalStart(event: ModelEvent, i: number): number {
  return event.start + i * stepOf(event.rule!);
}

/** [start, end) overlaps [WINDOW_START, WINDOW_END); every duration here is positive. */
function inWindow(start: number, end: number): boolean {
  return start < WINDOW_END && end > WINDOW_START;
}

function expectedOccurrences(events: Iterable<ModelEvent>): Occurrence[] {
  const out: Occurrence[] = [];
  for (const event of events) {
    const line = (key: string, summary: string, start: number, minutes: number) =>
      `${key} | ${summary} | ${stamp(start)} | ${event.endStyle === 'dtend' ? stamp(start + minutes * MINUTE) : `DURATION ${durationText(minutes)}`}`;
    if (!event.rule) {
      if (inWindow(event.start, event.start + event.minutes * MINUTE)) out.push({ key: event.uid, line: line(event.uid, event.summary, event.start, event.minutes) });
      continue;
    }
    for (let i = 0; i < event.rule.count; i++) {
      if (event.exdates.has(i)) continue;
      const original = originalStart(event, i);
      const key = `${event.uid} ${stamp(original)}`;
      const override = event.overrides.get(i);
      if (override?.cancelled) continue;
      const start = original + (override?.shift ?? 0);
      const minutes = override?.minutes ?? event.minutes;
      if (inWindow(start, start + minutes * MINUTE)) out.push({ key, line: line(key, override?.summary ?? event.summary, start, minutes) });
    }
  }
  return out;
}

function renderSource(event: ModelEvent): string {
  const end = (start: number, minutes: number) =>
    event.endStyle === 'dtend' ? `DTEND:${stamp(start + minutes * MINUTE)}` : `DURATION:${durationText(minutes)}`;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//calsync randomized model test//EN'];
  lines.push('BEGIN:VEVENT', `UID:${event.uid}`, 'DTSTAMP:20260901T000000Z', `DTSTART:${stamp(event.start)}`, end(event.start, event.minutes), `SUMMARY:${event.summary}`);
  if (event.rule) {
    lines.push(`RRULE:FREQ=${event.rule.freq};${event.rule.interval > 1 ? `INTERVAL=${event.rule.interval};` : ''}COUNT=${event.rule.count}`);
    for (const i of [...event.exdates].sort((a, b) => a - b)) lines.push(`EXDATE:${stamp(originalStart(event, i))}`);
  }
  lines.push('END:VEVENT');
  if (event.rule) {
    for (const [i, override] of [...event.overrides].sort(([a], [b]) => a - b)) {
      const original = originalStart(event, i);
      const start = original + override.shift;
      lines.push('BEGIN:VEVENT', `UID:${event.uid}`, 'DTSTAMP:20260901T000000Z', `RECURRENCE-ID:${stamp(original)}`, `DTSTART:${stamp(start)}`, end(start, override.minutes), `SUMMARY:${override.summary}`);
      if (override.cancelled) lines.push('STATUS:CANCELLED');
      lines.push('END:VEVENT');
    }
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

function randomStart(rng: Rng): number {
  if (rng.chance(0.2)) return rng.pick(EDGE_STARTS);
  // 2026-09-24 .. 2026-11-05: some series start before the window, some run past its end, some events lie wholly outside.
  return Date.UTC(2026, 8, 24) + rng.int(0, 42) * DAY + rng.int(0, 23) * HOUR + rng.pick([0, 30]) * MINUTE;
}

function randomRule(rng: Rng): ModelEvent['rule'] {
  if (rng.chance(0.6)) return { freq: 'DAILY', interval: rng.pick([1, 1, 2]), count: rng.int(2, 9) };
  return { freq: 'WEEKLY', interval: 1, count: rng.int(2, 6) };
}

function newEvent(rng: Rng, id: number): ModelEvent {
  return {
    id,
    uid: `e${id}@model`,
    file: `event-${id}.ics`,
    summary: `E${id} v1`,
    start: randomStart(rng),
    minutes: rng.pick(DURATIONS_MIN),
    endStyle: rng.chance(0.7) ? 'dtend' : 'duration',
    rule: rng.chance(0.6) ? randomRule(rng) : null,
    exdates: new Set(),
    overrides: new Map(),
  };
}

/** Drops exclusions and overrides that a shorter COUNT left beyond the series. */
function trimToCount(event: ModelEvent): void {
  if (!event.rule) return;
  for (const i of [...event.exdates]) if (i >= event.rule.count) event.exdates.delete(i);
  for (const i of [...event.overrides.keys()]) if (i >= event.rule.count) event.overrides.delete(i);
}

// ---------------------------------------------------------------------------------------------
// Foreign objects on the target: a plain event, and a copy made by another pair that names a
// source UID of this test (e1@model) and even has that UID itself. Neither may ever change.

const FOREIGN_OBJECTS = [
  {
    name: 'someone-elses-lunch.ics',
    ics: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//someone//else//EN', 'BEGIN:VEVENT', 'UID:lunch@elsewhere', 'DTSTAMP:20260901T000000Z',
      'DTSTART:20261014T120000Z', 'DTEND:20261014T130000Z', 'SUMMARY:Lunch (not synced)', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
  },
  {
    name: 'other-pair-copy.ics',
    ics: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//caldav-instance-sync//EN', 'BEGIN:VEVENT', 'UID:e1@model', 'DTSTAMP:20260901T000000Z',
      'DTSTART:20261020T080000Z', 'DTEND:20261020T090000Z', 'SUMMARY:E1 as another pair copied it', 'X-CALSYNC-SOURCE-UID:e1@model',
      'X-CALSYNC-PAIR:000000000000', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
  },
];

/** Parsed facts of one target object, read with ical.js (never project code). */
function factsOf(data: string): { sourceUid: string | null; recurrenceId: string; pair: string | null; summary: string; dtstart: string } {
  const vevent = new ICAL.Component(ICAL.parse(data) as unknown[]).getFirstSubcomponent('vevent')!;
  const text = (name: string) => {
    const value = vevent.getFirstPropertyValue(name);
    return value === null || value === undefined ? null : String(value);
  };
  return {
    sourceUid: text('x-calsync-source-uid'),
    recurrenceId: text('x-calsync-recurrence-id') ?? '',
    pair: text('x-calsync-pair'),
    summary: text('summary') ?? '',
    dtstart: (vevent.getFirstPropertyValue('dtstart') as ICAL.Time).toICALString(),
  };
}

const fileOf = (href: string) => decodeURIComponent(href.split('/').pop()!);

// ---------------------------------------------------------------------------------------------

// The servers are independent of each other: their sequences run side by side, the seeds of one
// server one after the other.
describe('randomized model', { concurrency: SERVER_KINDS.length }, () => {
  for (const kind of SERVER_KINDS) {
    describe(`against ${kind}`, { concurrency: 1 }, () => {
      let server: CaldavServer;
      before(async () => {
        server = await startServer(kind);
      });
      after(async () => {
        await server?.stop();
      });

      for (const seed of SEEDS) {
        test(`seed ${seed}: after every run the target holds exactly the model's occurrences, foreign objects are untouched and no copy exists twice`, async () => {
          const work = mkdtempSync(join(tmpdir(), 'calsync-model-'));
          try {
            await runSeed(server, seed, work);
          } finally {
            rmSync(work, { recursive: true, force: true });
          }
        });
      }
    });
  }
});

async function runSeed(server: CaldavServer, seed: number, work: string): Promise<void> {
  const rng = new Rng(seed);
  const sourceUrl = await server.createCalendar(`source-${seed}`, `Source ${seed}`);
  const targetUrl = await server.createCalendar(`target-${seed}`, `Target ${seed}`);
  const env = { SOURCE_PASSWORD: server.password, TARGET_PASSWORD: server.password };
  const sync = () =>
    runCli(
      [
        '--source', server.baseUrl, '--source-username', server.username, '--source-calendar', `Source ${seed}`,
        '--target', server.baseUrl, '--target-username', server.username, '--target-calendar', `Target ${seed}`,
        ...WINDOW_ARGS, '--db', join(work, 'sync.db'),
        // Every deletion here is one the model asked for, often a large share of a small calendar: the
        // mass-deletion guard (tested on its own elsewhere) is told so, as a user would.
        '--force-delete',
      ],
      { env },
    );

  const history: string[] = [];
  let step = 0;
  const where = () =>
    `[${server.kind}, seed ${seed}, step ${step}; replay: MODEL_SEEDS=${seed}${STEPS !== DEFAULT_STEPS ? ` MODEL_STEPS=${STEPS}` : ''} node --import tsx --test test/randomized-model.test.ts]\n` +
    `steps so far:\n  ${history.join('\n  ')}`;
  /** Runs the assertions, naming the seed and step (and the steps so far) in any failure. */
  const check = async (what: string, assertions: () => void | Promise<void>) => {
    try {
      await assertions();
    } catch (error) {
      const wrapped = new Error(`${what} ${where()}\n${(error as Error).message}`);
      wrapped.stack = `${wrapped.message}\n${(error as Error).stack ?? ''}`;
      throw wrapped;
    }
  };

  // The foreign objects, as the server stores them (servers normalise what they store).
  for (const object of FOREIGN_OBJECTS) await server.putObject(targetUrl, object.name, object.ics);
  const foreignAtStart = (await server.listObjects(targetUrl)).filter(({ href }) => FOREIGN_OBJECTS.some((f) => fileOf(href) === f.name));
  assert.equal(foreignAtStart.length, FOREIGN_OBJECTS.length, 'every foreign object is listed');
  const foreignFiles = new Set(FOREIGN_OBJECTS.map((f) => f.name));
  const foreignLines = describeCopies(foreignAtStart);

  const events = new Map<number, ModelEvent>();
  let nextId = 1;
  const putSource = (event: ModelEvent) => server.putObject(sourceUrl, event.file, renderSource(event));

  /** Copies on the target as of the last run, by key: what target edits and deletions act on. */
  let copies = new Map<string, { file: string; data: string }>();
  /** Keys whose copy was deleted or edited on the target since the last run. */
  const deletedOnTarget = new Set<string>();
  const editedOnTarget = new Set<string>();
  let runs = 0;

  const runAndCheck = async (label: string) => {
    const expected = expectedOccurrences(events.values());
    const expectedKeys = new Set(expected.map((o) => o.key));
    // What the run must do, from the model: copies missing are created, copies of occurrences gone are deleted
    // (or retired when the copy was already deleted on the target), the rest updated or unchanged.
    const present = new Set([...copies.keys()].filter((key) => !deletedOnTarget.has(key)));
    const mustCreate = [...expectedKeys].filter((key) => !present.has(key)).length;
    const mustDelete = [...present].filter((key) => !expectedKeys.has(key)).length;
    const mustRetire = [...deletedOnTarget].filter((key) => !expectedKeys.has(key)).length;
    const kept = [...present].filter((key) => expectedKeys.has(key)).length;
    const mustRestore = [...editedOnTarget].filter((key) => expectedKeys.has(key)).length;

    const run: CliResult = await sync();
    runs++;
    history.push(`${label} -> ${run.stdout.trim().split('\n').at(-1)?.replace(/^\S+ /, '') ?? '(no output)'}`);
    await check('the run', () => {
      assert.equal(run.code, 0, `exit code ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
      const counts = summaryCounts(run.stdout);
      const detail = `\n--- stdout ---\n${run.stdout}`;
      assert.deepEqual(
        { created: counts.created, deleted: counts.deleted, retired: counts.retired, skipped: counts.skipped, failed: counts.failed, updatedOrUnchanged: counts.updated + counts.unchanged },
        { created: mustCreate, deleted: mustDelete, retired: mustRetire, skipped: 0, failed: 0, updatedOrUnchanged: kept },
        `run counts differ from the model's${detail}`,
      );
      assert.ok(counts.updated >= mustRestore, `${mustRestore} copies edited on the target must be overwritten, but only ${counts.updated} were updated${detail}`);
    });

    const listed = await server.listObjects(targetUrl);
    const foreign = listed.filter(({ href }) => foreignFiles.has(fileOf(href)));
    const ours = listed.filter(({ href }) => !foreignFiles.has(fileOf(href)));
    await check('the target after the run', () => {
      assert.deepEqual(foreign, foreignAtStart, 'the foreign objects changed (bytes or ETag), or one is gone');
      assert.deepEqual(describeCopies(ours), expected.map((o) => o.line).sort(), "the target's copies differ from the model's occurrences");
      const facts = ours.map(({ data }) => factsOf(data));
      const byKey = new Map<string, number>();
      const bySummaryStart = new Map<string, number>();
      for (const f of facts) {
        assert.ok(f.sourceUid !== null && f.pair !== null, `an object on the target is neither foreign nor a marked copy: ${JSON.stringify(f)}`);
        const key = `${f.sourceUid} ${f.recurrenceId}`.trim();
        byKey.set(key, (byKey.get(key) ?? 0) + 1);
        bySummaryStart.set(`${f.summary} @ ${f.dtstart}`, (bySummaryStart.get(`${f.summary} @ ${f.dtstart}`) ?? 0) + 1);
      }
      assert.deepEqual([...byKey].filter(([, n]) => n > 1), [], 'a copy of one occurrence (source uid + recurrence-id) exists twice');
      assert.deepEqual([...bySummaryStart].filter(([, n]) => n > 1), [], 'two copies have the same SUMMARY and DTSTART');
      assert.equal(new Set(facts.map((f) => f.pair)).size, Math.min(facts.length, 1), 'the copies carry more than one X-CALSYNC-PAIR');
    });

    copies = new Map(ours.map(({ href, data }) => {
      const f = factsOf(data);
      return [`${f.sourceUid} ${f.recurrenceId}`.trim(), { file: fileOf(href), data }];
    }));
    deletedOnTarget.clear();
    editedOnTarget.clear();
    return expected;
  };

  // The model itself must never expect two copies with one SUMMARY and DTSTART (summaries carry the event id,
  // override shifts stay under 12 hours): a guard that the duplicate check above is a fair one.
  const assertModelSane = () => {
    const lines = expectedOccurrences(events.values()).map((o) => o.line.split(' | ').slice(1, 3).join(' | '));
    assert.equal(new Set(lines).size, lines.length, `model defect: two expected occurrences share SUMMARY and DTSTART ${where()}`);
  };

  // The starting calendar: four to six events.
  for (let n = rng.int(4, 6); n > 0; n--) {
    const event = newEvent(rng, nextId++);
    events.set(event.id, event);
    await putSource(event);
    history.push(`add ${event.uid} ${describeEvent(event)}`);
  }

  let sinceRun = 0;
  for (step = 1; step <= STEPS; step++) {
    assertModelSane();
    const live = [...events.values()];
    const targetKeys = [...copies.keys()].filter((key) => !deletedOnTarget.has(key)).sort();
    const roll = rng.next();
    if (sinceRun >= MAX_STEPS_BETWEEN_RUNS || roll < 0.22) {
      await runAndCheck(`step ${step}: run`);
      sinceRun = 0;
      continue;
    }
    sinceRun++;
    if (roll < 0.55 && live.length > 0) {
      const event = rng.pick(live);
      const edit = rng.pick(event.rule ? ['summary', 'time', 'count', 'exdate', 'override', 'override', 'make-single'] : ['summary', 'time', 'make-series']);
      let what = '';
      switch (edit) {
        case 'summary': {
          const version = Number(/v(\d+)$/.exec(event.summary)![1]) + 1;
          event.summary = `E${event.id} v${version}`;
          what = `SUMMARY -> ${event.summary}`;
          break;
        }
        case 'time': {
          // Exclusions and overrides move along with the series (they are kept by occurrence index).
          const delta = rng.pick([-3 * DAY, -DAY, -2 * HOUR, HOUR, 3 * HOUR, DAY, 2 * DAY, 7 * DAY]);
          event.start += delta;
          if (rng.chance(0.3)) event.minutes = rng.pick(DURATIONS_MIN);
          what = `DTSTART -> ${stamp(event.start)}, ${event.minutes} min`;
          break;
        }
        case 'count': {
          event.rule!.count = rng.int(1, 9);
          trimToCount(event);
          what = `COUNT -> ${event.rule!.count}`;
          break;
        }
        case 'exdate': {
          const i = rng.int(0, event.rule!.count - 1);
          event.overrides.delete(i);
          event.exdates.add(i);
          what = `EXDATE ${stamp(originalStart(event, i))}`;
          break;
        }
        case 'override': {
          const i = rng.int(0, event.rule!.count - 1);
          event.exdates.delete(i);
          const cancelled = rng.chance(0.15);
          const shift = cancelled ? 0 : rng.pick([-11 * HOUR, -3 * HOUR, -HOUR, 0, 0, 30 * MINUTE, 2 * HOUR, 11 * HOUR]);
          const summary = shift === 0 || rng.chance(0.5) ? `E${event.id} occurrence ${i} changed at step ${step}` : event.summary;
          event.overrides.set(i, { shift, summary, minutes: rng.pick(DURATIONS_MIN), cancelled });
          what = `override ${stamp(originalStart(event, i))}: ${cancelled ? 'cancelled' : `shift ${shift / MINUTE} min, "${summary}"`}`;
          break;
        }
        case 'make-single': {
          event.rule = null;
          event.exdates.clear();
          event.overrides.clear();
          what = 'no longer recurring';
          break;
        }
        case 'make-series': {
          event.rule = randomRule(rng);
          what = `now recurring ${JSON.stringify(event.rule)}`;
          break;
        }
      }
      await putSource(event);
      history.push(`step ${step}: source edit ${event.uid}: ${what}`);
    } else if (roll < 0.66) {
      const event = newEvent(rng, nextId++);
      events.set(event.id, event);
      await putSource(event);
      history.push(`step ${step}: source add ${event.uid} ${describeEvent(event)}`);
    } else if (roll < 0.73 && live.length > 0) {
      const event = rng.pick(live);
      events.delete(event.id);
      await server.deleteObject(sourceUrl, event.file);
      history.push(`step ${step}: source delete ${event.uid}`);
    } else if (roll < 0.87 && targetKeys.length > 0) {
      const key = rng.pick(targetKeys);
      const copy = copies.get(key)!;
      const summary = `edited on the target at step ${step}`;
      assert.match(copy.data, /^SUMMARY:/m, `the copy of ${key} has a SUMMARY line ${where()}`);
      await server.putObject(targetUrl, copy.file, copy.data.replace(/^SUMMARY:.*$/m, `SUMMARY:${summary}`));
      editedOnTarget.add(key);
      history.push(`step ${step}: target edit of the copy of ${key}: SUMMARY -> ${summary}`);
    } else if (targetKeys.length > 0) {
      const key = rng.pick(targetKeys);
      await server.deleteObject(targetUrl, copies.get(key)!.file);
      deletedOnTarget.add(key);
      editedOnTarget.delete(key);
      history.push(`step ${step}: target delete of the copy of ${key}`);
    } else {
      history.push(`step ${step}: nothing (no copy on the target yet)`);
    }
  }

  assertModelSane();
  step = STEPS + 1;
  const expected = await runAndCheck(`step ${step}: final run`);
  await check('the sequence', () => assert.ok(runs >= 2, `the CLI ran only ${runs} times`));

  // A further run with nothing changed anywhere writes nothing, and leaves the target as it is.
  step = STEPS + 2;
  const listedBefore = await server.listObjects(targetUrl);
  const again = await sync();
  history.push(`step ${step}: run with nothing changed -> ${again.stdout.trim().split('\n').at(-1)?.replace(/^\S+ /, '')}`);
  await check('the run with nothing changed', async () => {
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(summaryCounts(again.stdout), { created: 0, updated: 0, deleted: 0, unchanged: expected.length, retired: 0, skipped: 0, failed: 0 });
    assert.deepEqual(await server.listObjects(targetUrl), listedBefore);
    assert.deepEqual(describeCopies(listedBefore), [...expected.map((o) => o.line), ...foreignLines].sort());
  });
}

function describeEvent(event: ModelEvent): string {
  const rule = event.rule ? ` ${event.rule.freq}${event.rule.interval > 1 ? `/${event.rule.interval}` : ''} x${event.rule.count}` : ' single';
  return `"${event.summary}" ${stamp(event.start)} ${event.minutes} min (${event.endStyle})${rule}`;
}
