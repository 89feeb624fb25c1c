// A seeded randomized model test against real Radicale and Xandikos. A sequence of source edits,
// source additions and deletions, target edits and deletions of copies, and CLI runs is drawn from a
// seeded PRNG. The test keeps its own model of the source calendar and computes the expected
// occurrences itself with plain UTC arithmetic (never with project code). After every run it checks:
// exit code 0 and the counts that follow from the model, the target's copies equal the expected
// occurrences exactly, every foreign object is untouched (same bytes, same ETag), no copy exists
// twice, and the source holds exactly what the model says (read back with ical.js). After the last
// run a further run must change nothing.
//
// Each seed runs under one combination of TARGET_DELETIONS and TARGET_EDITS (POLICIES: default,
// respect, propagate, keep), named in the test title, which the model follows:
// - respect: a copy deleted on the target stays deleted until its occurrence renders differently
//   from the deleted copy; then it is created again. An occurrence gone from the source is retired.
// - propagate: a copy deleted on the target deletes its occurrence in the source (a single event's
//   object is deleted; an occurrence of a series becomes an EXDATE, its override removed), and the
//   model's source does the same.
// - keep: a copy edited on the target stays as edited, reported as a conflict on every run, even when
//   its occurrence changes or leaves the source; deleted on the target, it is recreated.
//
// Seeds: MODEL_SEEDS=1,2,43:respect (exact seeds, each with a policy or else the one of seed mod 4)
// or MODEL_SEED_COUNT=N (N fresh random seeds, named in the test titles); MODEL_POLICY=keep runs
// every seed under that policy; MODEL_STEPS=N changes the number of steps per seed. The default
// seeds are checked to go through every case of every policy (Policy.mustCover). Every failure
// names the seed, the policy, the step and the command that replays it, with the steps so far.
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
import { seededRandom } from './harness/seeded-random.ts';

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

const STEPS = Number(process.env.MODEL_STEPS ?? DEFAULT_STEPS);

// ---------------------------------------------------------------------------------------------
// The policies: each seed runs under one, named with the seed (or else POLICIES[seed mod 4]).

type PolicyName = 'default' | 'respect' | 'propagate' | 'keep';
interface Policy {
  name: PolicyName;
  deletions: 'recreate' | 'respect' | 'propagate';
  edits: 'overwrite' | 'keep';
  /** What the default seeds under this policy must have gone through, together (cases of runs whose checks passed). */
  mustCover: string[];
  /**
   * How a step is drawn: a roll below `run` runs the CLI, below `sourceEdit` edits a source event, below
   * `sourceAdd` adds one, below `sourceDelete` deletes one, below `targetEdit` edits a copy on the target,
   * else deletes a copy there. The policies weigh the target's changes they are about more.
   */
  mix: { run: number; sourceEdit: number; sourceAdd: number; sourceDelete: number; targetEdit: number };
}
const EVEN_MIX: Policy['mix'] = { run: 0.22, sourceEdit: 0.55, sourceAdd: 0.66, sourceDelete: 0.73, targetEdit: 0.87 };
const DELETING_MIX: Policy['mix'] = { run: 0.22, sourceEdit: 0.55, sourceAdd: 0.62, sourceDelete: 0.67, targetEdit: 0.75 };
const EDITING_MIX: Policy['mix'] = { run: 0.22, sourceEdit: 0.55, sourceAdd: 0.62, sourceDelete: 0.68, targetEdit: 0.88 };
const POLICIES: Policy[] = [
  { name: 'default', deletions: 'recreate', edits: 'overwrite', mustCover: ['a copy deleted on the target is recreated', 'a copy edited on the target is overwritten'], mix: EVEN_MIX },
  {
    name: 'respect', deletions: 'respect', edits: 'overwrite',
    mustCover: ['a copy deleted on the target is kept deleted', 'a kept-deleted copy stays deleted while its source object changed',
      'a kept-deleted copy is created again after its occurrence changed', 'a kept-deleted occurrence gone from the source is retired',
      'a copy deleted on the target while its occurrence changed is created again'],
    mix: DELETING_MIX,
  },
  {
    name: 'propagate', deletions: 'propagate', edits: 'overwrite',
    mustCover: ['a single event is deleted in the source', 'an occurrence of a series becomes an EXDATE in the source',
      'an overridden occurrence becomes an EXDATE in the source, its override removed'],
    mix: DELETING_MIX,
  },
  {
    name: 'keep', deletions: 'recreate', edits: 'keep',
    mustCover: ['a copy edited on the target is kept (conflict)', 'an edited copy is kept although its occurrence changed',
      'an edited copy is kept although its occurrence is gone from the source', 'an edited copy kept, then deleted on the target, is recreated'],
    mix: EDITING_MIX,
  },
];
const describePolicy = (policy: Policy) => `${policy.name}: TARGET_DELETIONS=${policy.deletions}, TARGET_EDITS=${policy.edits}`;

/**
 * The default seeds, each with its policy, chosen so that together they go through every case of every
 * policy (mustCover, asserted at the end for each server).
 */
const DEFAULT_SEEDS = ['4:default', '43:respect', '53:respect', '66:propagate', '7:keep', '79:keep'];

interface SeedRun {
  seed: number;
  policy: Policy;
}
/** "seed" or "seed:policy"; MODEL_POLICY, when set, wins; a seed without a policy gets POLICIES[seed mod 4]. */
function parseSeed(text: string): SeedRun {
  const [seedText, named] = text.trim().split(':');
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`"${text}" is no seed: use a whole number, optionally with :policy`);
  const name = process.env.MODEL_POLICY ?? named;
  const policy = name === undefined ? POLICIES[seed % POLICIES.length] : POLICIES.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy "${name}": use one of ${POLICIES.map((p) => p.name).join(', ')}`);
  return { seed, policy };
}
function seedsToRun(): SeedRun[] {
  if (process.env.MODEL_SEEDS) return process.env.MODEL_SEEDS.split(',').map(parseSeed);
  if (process.env.MODEL_SEED_COUNT) return Array.from({ length: Number(process.env.MODEL_SEED_COUNT) }, () => parseSeed(String(randomInt(1, 2 ** 31))));
  return DEFAULT_SEEDS.map(parseSeed);
}
/** Drawn once, so that both servers run the same seeds. */
const SEEDS = seedsToRun();
/** Coverage is asserted only for the default seeds and steps (other seeds may well miss a case). */
const ASSERT_COVERAGE = !process.env.MODEL_SEEDS && !process.env.MODEL_SEED_COUNT && !process.env.MODEL_STEPS && !process.env.MODEL_POLICY;

type RunCounts = Record<'created' | 'updated' | 'deleted' | 'unchanged' | 'retired' | 'skipped' | 'failed' | 'conflicts' | 'propagated' | 'keptDeleted', number>;
const zeroCounts = (): RunCounts => ({ created: 0, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0, conflicts: 0, propagated: 0, keptDeleted: 0 });
/** Every count of the closing summary line, the ones it shows only when not zero as 0. */
function runCounts(stdout: string): RunCounts {
  return { ...zeroCounts(), ...summaryCounts(stdout) };
}

// ---------------------------------------------------------------------------------------------
// The PRNG: the same seed gives the same sequence of steps on every server.

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
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

// The source, described the same way from the model and from what the server holds (read with
// ical.js): one line per object with its master's UID, DTSTART, SUMMARY, COUNT and EXDATEs, and one
// per override. Only TARGET_DELETIONS=propagate may make the tool write to the source.

function describeModelSource(events: Iterable<ModelEvent>): string[] {
  const lines: string[] = [];
  for (const event of events) {
    const exdates = [...event.exdates].map((i) => stamp(originalStart(event, i))).sort();
    lines.push(`${event.file} | ${event.uid} | ${stamp(event.start)} | ${event.summary} | COUNT ${event.rule?.count ?? '-'} | EXDATE ${exdates.join(',') || '-'}`);
    for (const [i, override] of event.overrides) {
      const original = originalStart(event, i);
      lines.push(`${event.file} | ${event.uid} override ${stamp(original)} | ${stamp(original + override.shift)} | ${override.summary}${override.cancelled ? ' | CANCELLED' : ''}`);
    }
  }
  return lines.sort();
}

function describeServerSource(objects: Array<{ href: string; data: string }>): string[] {
  const lines: string[] = [];
  const time = (vevent: ICAL.Component, name: string) => (vevent.getFirstPropertyValue(name) as ICAL.Time).toICALString();
  for (const { href, data } of objects) {
    for (const vevent of new ICAL.Component(ICAL.parse(data) as unknown[]).getAllSubcomponents('vevent')) {
      const uid = String(vevent.getFirstPropertyValue('uid'));
      const summary = String(vevent.getFirstPropertyValue('summary'));
      if (vevent.hasProperty('recurrence-id')) {
        const cancelled = String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
        lines.push(`${fileOf(href)} | ${uid} override ${time(vevent, 'recurrence-id')} | ${time(vevent, 'dtstart')} | ${summary}${cancelled ? ' | CANCELLED' : ''}`);
        continue;
      }
      const rule = vevent.getFirstPropertyValue('rrule') as ICAL.Recur | null;
      const exdates = vevent.getAllProperties('exdate').flatMap((p) => p.getValues() as ICAL.Time[]).map((t) => t.toICALString()).sort();
      lines.push(`${fileOf(href)} | ${uid} | ${time(vevent, 'dtstart')} | ${summary} | COUNT ${rule?.count ?? '-'} | EXDATE ${exdates.join(',') || '-'}`);
    }
  }
  return lines.sort();
}

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

      /** The cases each policy's seeds went through (in runs whose checks passed), and how many seeds failed. */
      const coveredBy = new Map(POLICIES.map((p) => [p.name, new Set<string>()]));
      let failedSeeds = 0;

      for (const { seed, policy } of SEEDS) {
        test(`seed ${seed} (${describePolicy(policy)}): after every run the target holds exactly the model's occurrences, the source what the model says, foreign objects are untouched and no copy exists twice`, async (t) => {
          const work = mkdtempSync(join(tmpdir(), 'calsync-model-'));
          const covered = new Set<string>();
          try {
            await runSeed(server, seed, policy, work, covered);
          } catch (error) {
            failedSeeds++;
            throw error;
          } finally {
            rmSync(work, { recursive: true, force: true });
            for (const c of covered) coveredBy.get(policy.name)!.add(c);
            t.diagnostic(`${kind}, seed ${seed} (${describePolicy(policy)}) went through: ${[...covered].sort().join('; ') || 'no case of a policy'}`);
          }
        });
      }

      test('the default seeds go through every case of every policy', { skip: ASSERT_COVERAGE ? false : 'only with the default seeds and steps' }, (t) => {
        if (failedSeeds > 0) {
          t.skip(`${failedSeeds} seeds failed, so what they would have gone through is unknown`);
          return;
        }
        const missing = POLICIES.flatMap((p) => p.mustCover.filter((c) => !coveredBy.get(p.name)!.has(c)).map((c) => `${p.name}: ${c}`));
        assert.deepEqual(missing, [], `on ${kind}, no default seed goes through these cases any more (the generator changed?): choose other DEFAULT_SEEDS`);
      });
    });
  }
});

/** Runs one seed's history, checking after every run; adds the policy's cases it went through to `covered`. */
async function runSeed(server: CaldavServer, seed: number, policy: Policy, work: string, covered: Set<string>): Promise<void> {
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
        // The default policy is left to the tool's defaults; the others are asked for as a user would.
        ...(policy.name === 'default' ? [] : ['--target-deletions', policy.deletions, '--target-edits', policy.edits]),
        // Every deletion here is one the model asked for, often a large share of a small calendar: the
        // mass-deletion guard (tested on its own elsewhere) is told so, as a user would.
        '--force-delete',
      ],
      { env },
    );

  const history: string[] = [];
  let step = 0;
  const replay = `MODEL_SEEDS=${seed}:${policy.name}${STEPS !== DEFAULT_STEPS ? ` MODEL_STEPS=${STEPS}` : ''}`;
  const where = () =>
    `[${server.kind}, seed ${seed}, policy ${describePolicy(policy)}, step ${step}; replay: ${replay} node --import tsx --test test/randomized-model.test.ts]\n` +
    `steps so far:\n  ${history.join('\n  ')}`;
  /** Runs the assertions, naming the seed, policy and step (and the steps so far) in any failure. */
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
  /** UIDs whose source object was written or deleted since the last run. */
  const touched = new Set<string>();
  const putSource = (event: ModelEvent) => {
    touched.add(event.uid);
    return server.putObject(sourceUrl, event.file, renderSource(event));
  };

  /** Copies on the target as of the last run, by key: what target edits and deletions act on. */
  let copies = new Map<string, { file: string; data: string }>();
  /** The line of each copy on the target as of the last run (as the model expected it). */
  let copyLines = new Map<string, string>();
  /** The line of the copy the tool last wrote, for each copy on the target as of the last run. */
  let writtenLines = new Map<string, string>();
  /** Keys whose copy was deleted on the target since the last run. */
  const deletedOnTarget = new Set<string>();
  /** Keys whose copy was edited on the target since the last run (TARGET_EDITS=overwrite: restored by the next run). */
  const editedOnTarget = new Set<string>();
  /** TARGET_EDITS=keep: copies edited on the target, with their line as edited; they stay so until deleted on the target. */
  const keptEdits = new Map<string, string>();
  /** Keys whose kept edited copy was deleted on the target since the last run. */
  const keptEditDeleted = new Set<string>();
  /** TARGET_DELETIONS=respect: occurrences whose copy was deleted on the target and stays deleted, with the line of the deleted copy. */
  let keptDeleted = new Map<string, string>();
  let runs = 0;

  const runAndCheck = async (label: string) => {
    // What the run must do, and the target after it, from the model alone.
    const source = new Map(expectedOccurrences(events.values()).map((o) => [o.key, o.line]));
    const want = zeroCounts();
    /** The target's copies after the run (key -> line), and the line the tool last wrote for each. */
    const target = new Map<string, string>();
    const written = new Map<string, string>();
    const nextKeptDeleted = new Map<string, string>();
    const propagate: string[] = [];
    /** The policy's cases this run goes through, counted once its checks have passed. */
    const cases = new Set<string>();
    /** The model's plan, for failure messages: "created <key> (why)" for every occurrence not left unchanged. */
    const plan: string[] = [];
    const count = (kind: keyof RunCounts, key: string, why: string) => {
      want[kind]++;
      if (kind !== 'unchanged') plan.push(`${kind} ${key} (${why})`);
    };
    for (const [key, line] of source) {
      const write = (kind: 'created' | 'updated', why: string) => {
        count(kind, key, why);
        target.set(key, line);
        written.set(key, line);
      };
      if (keptDeleted.has(key)) {
        // Deleted on the target in an earlier run and remembered: it stays deleted until the occurrence changes.
        if (keptDeleted.get(key) === line) {
          count('unchanged', key, '');
          nextKeptDeleted.set(key, line);
          if (touched.has(key.split(' ')[0])) cases.add('a kept-deleted copy stays deleted while its source object changed');
        } else {
          write('created', 'kept deleted, but its occurrence changed since');
          cases.add('a kept-deleted copy is created again after its occurrence changed');
        }
      } else if (!copies.has(key)) {
        write('created', 'new');
      } else if (deletedOnTarget.has(key)) {
        if (policy.deletions === 'recreate') {
          write('created', 'deleted on the target, recreated');
          cases.add('a copy deleted on the target is recreated');
          if (keptEditDeleted.has(key)) cases.add('an edited copy kept, then deleted on the target, is recreated');
        } else if (policy.deletions === 'respect') {
          // Compared with the copy that was deleted: an occurrence that changed since is created again at once.
          if (line === writtenLines.get(key)) {
            count('keptDeleted', key, 'deleted on the target, unchanged in the source');
            nextKeptDeleted.set(key, line);
            cases.add('a copy deleted on the target is kept deleted');
          } else {
            write('created', 'deleted on the target, but its occurrence changed since the copy was written');
            cases.add('a copy deleted on the target while its occurrence changed is created again');
          }
        } else {
          count('propagated', key, 'deleted on the target');
          propagate.push(key);
        }
      } else if (keptEdits.has(key)) {
        count('conflicts', key, 'edited on the target');
        target.set(key, keptEdits.get(key)!);
        written.set(key, writtenLines.get(key)!);
        cases.add('a copy edited on the target is kept (conflict)');
        if (line !== writtenLines.get(key)) cases.add('an edited copy is kept although its occurrence changed');
      } else if (editedOnTarget.has(key)) {
        write('updated', 'edited on the target');
        cases.add('a copy edited on the target is overwritten');
      } else if (line !== writtenLines.get(key)) {
        write('updated', 'changed in the source');
      } else {
        count('unchanged', key, '');
        target.set(key, line);
        written.set(key, line);
      }
    }
    for (const key of copies.keys()) {
      if (source.has(key)) continue;
      if (deletedOnTarget.has(key)) {
        count('retired', key, 'gone from the source, deleted on the target');
      } else if (keptEdits.has(key)) {
        count('conflicts', key, 'gone from the source, edited on the target');
        target.set(key, keptEdits.get(key)!);
        written.set(key, writtenLines.get(key)!);
        cases.add('an edited copy is kept although its occurrence is gone from the source');
      } else {
        count('deleted', key, 'gone from the source');
      }
    }
    for (const key of keptDeleted.keys()) {
      if (source.has(key)) continue;
      count('retired', key, 'gone from the source, kept deleted');
      cases.add('a kept-deleted occurrence gone from the source is retired');
    }

    const run: CliResult = await sync();
    runs++;
    history.push(`${label} -> ${run.stdout.trim().split('\n').at(-1)?.replace(/^\S+ /, '') ?? '(no output)'}`);
    await check('the run', () => {
      assert.equal(run.code, 0, `exit code ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`);
      assert.deepEqual(runCounts(run.stdout), want, `run counts differ from the model's\n--- the model's plan ---\n${plan.sort().join('\n') || '(nothing to do)'}\n--- stdout ---\n${run.stdout}`);
    });

    // TARGET_DELETIONS=propagate: the model's source loses what the tool deleted in the real one.
    for (const key of propagate) {
      const [uid, rid] = key.split(' ');
      const event = [...events.values()].find((e) => e.uid === uid)!;
      if (!event.rule) {
        events.delete(event.id);
        cases.add('a single event is deleted in the source');
        history.push(`  (propagated: ${uid} deleted in the source)`);
        continue;
      }
      const i = Array.from({ length: event.rule.count }, (_, n) => n).find((n) => stamp(originalStart(event, n)) === rid);
      assert.ok(i !== undefined, `model defect: ${key} is no occurrence of ${uid} ${where()}`);
      event.exdates.add(i);
      if (event.overrides.delete(i)) cases.add('an overridden occurrence becomes an EXDATE in the source, its override removed');
      cases.add('an occurrence of a series becomes an EXDATE in the source');
      history.push(`  (propagated: EXDATE ${rid} on ${uid} in the source)`);
    }
    // The model against itself: what stays on the target is what the (updated) source gives, less what stays deleted and plus what is kept edited.
    const fromSource = expectedOccurrences(events.values()).filter((o) => !nextKeptDeleted.has(o.key) && !keptEdits.has(o.key)).map((o) => o.key).sort();
    assert.deepEqual(fromSource, [...target.keys()].filter((key) => !keptEdits.has(key)).sort(), `model defect: the expected target disagrees with the model's source ${where()}`);

    const listed = await server.listObjects(targetUrl);
    const foreign = listed.filter(({ href }) => foreignFiles.has(fileOf(href)));
    const ours = listed.filter(({ href }) => !foreignFiles.has(fileOf(href)));
    await check('the target after the run', () => {
      assert.deepEqual(foreign, foreignAtStart, 'the foreign objects changed (bytes or ETag), or one is gone');
      assert.deepEqual(describeCopies(ours), [...target.values()].sort(), "the target's copies differ from the model's");
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

    // The source, read back: unchanged by the tool, except for the deletions propagated to it.
    const sourceListed = await server.listObjects(sourceUrl);
    await check('the source after the run', () => {
      assert.deepEqual(describeServerSource(sourceListed), describeModelSource(events.values()),
        policy.deletions === 'propagate' ? "the source differs from the model's (with the deletions propagated to it)" : 'the source changed, though this policy never writes to it');
    });

    for (const c of cases) covered.add(c);
    copies = new Map(ours.map(({ href, data }) => {
      const f = factsOf(data);
      return [`${f.sourceUid} ${f.recurrenceId}`.trim(), { file: fileOf(href), data }];
    }));
    copyLines = target;
    writtenLines = written;
    keptDeleted = nextKeptDeleted;
    deletedOnTarget.clear();
    editedOnTarget.clear();
    keptEditDeleted.clear();
    touched.clear();
    return { want, listed, sourceListed };
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

  const mix = policy.mix;
  let sinceRun = 0;
  for (step = 1; step <= STEPS; step++) {
    assertModelSane();
    const live = [...events.values()];
    const targetKeys = [...copies.keys()].filter((key) => !deletedOnTarget.has(key)).sort();
    const roll = rng.next();
    if (sinceRun >= MAX_STEPS_BETWEEN_RUNS || roll < mix.run) {
      await runAndCheck(`step ${step}: run`);
      sinceRun = 0;
      continue;
    }
    sinceRun++;
    if (roll < mix.sourceEdit && live.length > 0) {
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
    } else if (roll < mix.sourceAdd) {
      const event = newEvent(rng, nextId++);
      events.set(event.id, event);
      await putSource(event);
      history.push(`step ${step}: source add ${event.uid} ${describeEvent(event)}`);
    } else if (roll < mix.sourceDelete && live.length > 0) {
      const event = rng.pick(live);
      events.delete(event.id);
      touched.add(event.uid);
      await server.deleteObject(sourceUrl, event.file);
      history.push(`step ${step}: source delete ${event.uid}`);
    } else if (roll < mix.targetEdit && targetKeys.length > 0) {
      const key = rng.pick(targetKeys);
      const copy = copies.get(key)!;
      const summary = `edited on the target at step ${step}`;
      assert.match(copy.data, /^SUMMARY:/m, `the copy of ${key} has a SUMMARY line ${where()}`);
      await server.putObject(targetUrl, copy.file, copy.data.replace(/^SUMMARY:.*$/m, `SUMMARY:${summary}`));
      if (policy.edits === 'keep') {
        const [k, , ...rest] = copyLines.get(key)!.split(' | ');
        keptEdits.set(key, [k, summary, ...rest].join(' | '));
      } else {
        editedOnTarget.add(key);
      }
      history.push(`step ${step}: target edit of the copy of ${key}: SUMMARY -> ${summary}`);
    } else if (targetKeys.length > 0) {
      const key = rng.pick(targetKeys);
      await server.deleteObject(targetUrl, copies.get(key)!.file);
      deletedOnTarget.add(key);
      editedOnTarget.delete(key);
      if (keptEdits.delete(key)) keptEditDeleted.add(key);
      history.push(`step ${step}: target delete of the copy of ${key}`);
    } else {
      history.push(`step ${step}: nothing (no copy on the target yet)`);
    }
  }

  assertModelSane();
  step = STEPS + 1;
  const final = await runAndCheck(`step ${step}: final run`);
  await check('the sequence', () => assert.ok(runs >= 2, `the CLI ran only ${runs} times`));

  // A further run with nothing changed anywhere writes nothing (kept edits are reported as conflicts
  // again), and leaves the target and the source exactly as they are.
  step = STEPS + 2;
  const idle = await runAndCheck(`step ${step}: run with nothing changed`);
  await check('the run with nothing changed', () => {
    assert.deepEqual(idle.want, { ...zeroCounts(), unchanged: idle.want.unchanged, conflicts: keptEdits.size }, 'model defect: the model expects writes from a run with nothing changed');
    assert.deepEqual(idle.listed, final.listed, 'the target changed (bytes or ETags)');
    assert.deepEqual(idle.sourceListed, final.sourceListed, 'the source changed (bytes or ETags)');
    assert.deepEqual(describeCopies(idle.listed), [...copyLines.values(), ...foreignLines].sort());
  });
}

function describeEvent(event: ModelEvent): string {
  const rule = event.rule ? ` ${event.rule.freq}${event.rule.interval > 1 ? `/${event.rule.interval}` : ''} x${event.rule.count}` : ' single';
  return `"${event.summary}" ${stamp(event.start)} ${event.minutes} min (${event.endStyle})${rule}`;
}
