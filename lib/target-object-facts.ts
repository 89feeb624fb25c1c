// What the planner needs to know of a target object, read once when its ETag is new: whose copy
// it is (markers), when it is (span) and the properties that tell duplicates apart (facts).
import type ICAL from 'ical.js';
import { readMarkers } from './copy-identity.ts';
import type { CopyMarkers, InstanceSpan, ObjectFacts } from './domain.ts';
import { expandWindow } from './expand-window.ts';
import { canonicalHash } from './render-copy.ts';

export interface TargetObjectFacts {
  markers: CopyMarkers | null;
  span: InstanceSpan | null;
  facts: ObjectFacts | null;
}

const ALL_TIME = { start: -Infinity, end: Infinity };

function timeText(vevent: ICAL.Component, name: string): string {
  const value = vevent.getFirstPropertyValue(name) as ICAL.Time | null;
  if (!value || typeof value.toJSDate !== 'function') return '';
  const date = value.toJSDate();
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function readTargetObject(data: string): TargetObjectFacts {
  const markers = readMarkers(data);
  const unfolded = data.replace(/\r?\n[ \t]/g, '');
  // A series is never one occurrence's copy; it is not expanded (it could be endless). VTIMEZONEs
  // have RRULEs of their own: only the events' lines count.
  const events = unfolded.split(/^BEGIN:VEVENT\r?$/m).slice(1).map((part) => part.split(/^END:VEVENT\r?$/m)[0]);
  if (events.some((text) => /^(RRULE|RDATE)[;:]/m.test(text))) {
    const uid = /^UID[;:](?:[^:\r\n]*:)?(.*)$/m.exec(unfolded)?.[1]?.trim() ?? '';
    return { markers, span: null, facts: { uid, recurrenceId: '', summary: '', recurring: true, sequence: 0, createdAt: '', canonicalHash: canonicalHash(data) } };
  }
  const [instance] = expandWindow([{ href: '', etag: '', data }], ALL_TIME).instances;
  if (!instance) return { markers, span: null, facts: null };
  const { vevent } = instance;
  const sequence = Number(vevent.getFirstPropertyValue('sequence') ?? 0);
  return {
    markers,
    span: { start: instance.start, end: instance.end },
    facts: {
      uid: instance.sourceUid,
      recurrenceId: instance.recurrenceId,
      summary: String(vevent.getFirstPropertyValue('summary') ?? ''),
      recurring: false,
      sequence: Number.isFinite(sequence) ? sequence : 0,
      createdAt: timeText(vevent, 'created') || timeText(vevent, 'dtstamp'),
      canonicalHash: canonicalHash(data),
    },
  };
}
