// `explain <uid> [occurrence]`: how one source event became its copies, from sync.db alone: the
// source object as last read, its occurrences in the last run's window and the rule each came
// from (RRULE, RDATE, override) or was left out by (EXDATE, cancelled), the copy of each, and the
// event's audit history.
import { and, asc, desc, eq } from 'drizzle-orm';
import ICAL from 'ical.js';
import type { StateDatabase } from '../db/open-database.ts';
import { audit, collectionObjects, mappings, pairs, runs } from '../db/schema.ts';
import { expandWindow } from '../lib/expand-window.ts';
import { canonicalRecurrenceId } from '../lib/instants.ts';
import { parseCalendar } from '../lib/parse-calendar.ts';
import { registerTimezones } from '../lib/time-zones.ts';

export interface Explanation {
  pair: string;
  sourceHref: string;
  sourceEtag: string | null;
  window: { start: string; end: string };
  series: string | null;
  occurrences: Array<{ recurrenceId: string; start: string; end: string; from: string; copy: { href: string; etag: string | null; state: string } | null }>;
  leftOut: Array<{ recurrenceId: string; why: string }>;
  history: Array<{ at: string; run: number; action: string; outcome: string; recurrenceId: string | null; targetHref: string | null; reason: string }>;
}

/** Where each occurrence of the event's components comes from, by canonical RECURRENCE-ID. */
function rulesOf(data: string, uid: string) {
  const { calendars } = parseCalendar(data);
  const vevents = calendars.flatMap((c) => c.getAllSubcomponents('vevent')).filter((v) => v.getFirstPropertyValue('uid') === uid);
  registerTimezones(calendars.flatMap((c) => c.getAllSubcomponents('vtimezone')), vevents);
  const master = vevents.find((v) => !v.hasProperty('recurrence-id'));
  const times = (name: string) => (master?.getAllProperties(name) ?? []).flatMap((p) => p.getValues()).filter((v): v is ICAL.Time => v instanceof ICAL.Time).map(canonicalRecurrenceId);
  const overrides = new Map<string, ICAL.Component>();
  for (const v of vevents) {
    const rid = v.getFirstPropertyValue('recurrence-id');
    if (rid instanceof ICAL.Time) overrides.set(canonicalRecurrenceId(rid), v);
  }
  const rrule = master?.getFirstPropertyValue('rrule');
  return { rrule: rrule ? String(rrule) : null, rdates: new Set(times('rdate')), exdates: times('exdate'), overrides };
}

export function explainEvent(db: StateDatabase, uid: string, occurrence?: string): Explanation[] {
  const explanations: Explanation[] = [];
  for (const pair of db.select().from(pairs).orderBy(pairs.id).all()) {
    const lastRun = db.select().from(runs).where(eq(runs.pairId, pair.id)).orderBy(desc(runs.id)).limit(1).get();
    if (!lastRun) continue;
    const sources = db
      .select()
      .from(collectionObjects)
      .where(and(eq(collectionObjects.pairId, pair.id), eq(collectionObjects.side, 'source')))
      .all()
      .filter((o) => o.data !== null && o.data.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).some((line) => /^UID[;:]/i.test(line) && line.slice(line.indexOf(':') + 1).trim() === uid));
    const copies = db.select().from(mappings).where(and(eq(mappings.pairId, pair.id), eq(mappings.sourceUid, uid))).all();
    const history = db
      .select({ at: audit.at, run: audit.runId, action: audit.action, outcome: audit.outcome, recurrenceId: audit.recurrenceId, targetHref: audit.targetHref, reason: audit.reason })
      .from(audit)
      .where(and(eq(audit.pairId, pair.id), eq(audit.sourceUid, uid)))
      .orderBy(asc(audit.id))
      .all()
      .filter((row) => occurrence === undefined || row.recurrenceId === occurrence);
    if (sources.length === 0 && copies.length === 0 && history.length === 0) continue;
    const window = { start: lastRun.windowStart, end: lastRun.windowEnd };
    const source = sources[0];
    const occurrences: Explanation['occurrences'] = [];
    const leftOut: Explanation['leftOut'] = [];
    let series: string | null = null;
    if (source?.data) {
      const rules = rulesOf(source.data, uid);
      series = rules.rrule;
      const span = { start: Date.parse(window.start), end: Date.parse(window.end) };
      for (const instance of expandWindow([{ href: source.href, etag: source.etag ?? '', data: source.data }], span).instances) {
        if (instance.sourceUid !== uid || (occurrence !== undefined && instance.recurrenceId !== occurrence)) continue;
        const override = rules.overrides.get(instance.recurrenceId);
        const from = override
          ? 'an override (RECURRENCE-ID)'
          : rules.rdates.has(instance.recurrenceId)
            ? 'RDATE'
            : rules.rrule
              ? 'RRULE'
              : 'single event';
        const mapping = copies.find((m) => m.recurrenceId === instance.recurrenceId);
        occurrences.push({
          recurrenceId: instance.recurrenceId,
          start: instance.start,
          end: instance.end,
          from,
          copy: mapping ? { href: mapping.targetHref, etag: mapping.targetEtag, state: mapping.copyState } : null,
        });
      }
      for (const rid of rules.exdates) if (occurrence === undefined || rid === occurrence) leftOut.push({ recurrenceId: rid, why: 'excluded by EXDATE' });
      for (const [rid, override] of rules.overrides) {
        if (String(override.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED' && (occurrence === undefined || rid === occurrence)) leftOut.push({ recurrenceId: rid, why: 'cancelled (STATUS:CANCELLED override)' });
      }
    }
    explanations.push({ pair: pair.pairKey, sourceHref: source?.href ?? '(no longer in the source)', sourceEtag: source?.etag ?? null, window, series, occurrences, leftOut, history });
  }
  return explanations;
}

export function explanationText(uid: string, explanations: Explanation[]): string {
  if (explanations.length === 0) return `nothing is known of ${uid} in this database: no source object, copy or audit row`;
  const lines: string[] = [];
  for (const e of explanations) {
    lines.push(`${uid} (pair ${e.pair}): source object ${e.sourceHref}${e.sourceEtag ? ` (ETag ${e.sourceEtag})` : ''}, as the last run read it`);
    lines.push(`  ${e.series ? `a series: RRULE ${e.series}` : 'no RRULE'}; window of the last run ${e.window.start} .. ${e.window.end}`);
    lines.push(`  ${e.occurrences.length} occurrences in the window:`);
    for (const o of e.occurrences) {
      const copy = o.copy ? `copy ${o.copy.href}${o.copy.etag ? ` (ETag ${o.copy.etag})` : ''}${o.copy.state === 'synced' ? '' : `, ${o.copy.state}`}` : 'no copy';
      lines.push(`    ${o.recurrenceId || '(single)'} ${o.start} .. ${o.end} from ${o.from}: ${copy}`);
    }
    for (const l of e.leftOut) lines.push(`  left out: ${l.recurrenceId} ${l.why}`);
    lines.push(`  history (${e.history.length} audit rows):`);
    for (const h of e.history) lines.push(`    ${h.at} run ${h.run} ${h.action} ${h.outcome}${h.recurrenceId ? ` @ ${h.recurrenceId}` : ''}${h.targetHref ? ` -> ${h.targetHref}` : ''} (${h.reason})`);
  }
  return lines.join('\n');
}
