// The words of the sync, shared by expansion, planning and applying.
import type ICAL from 'ical.js';

/** The span of time being synced, [start, end), as epoch milliseconds. */
export interface SyncWindow {
  start: number;
  end: number;
}

/** One stored object of the source calendar (a CalDAV resource, or one UID of an .ics file). */
export interface SourceObject {
  href: string;
  etag: string;
  data: string;
}

/** Who an occurrence is: the source UID and the canonical RECURRENCE-ID ('' for a single event). */
export interface OccurrenceId {
  sourceUid: string;
  recurrenceId: string;
}

/** One occurrence of a source event inside the window, as a standalone VEVENT ready to render. */
export interface SourceInstance extends OccurrenceId {
  sourceHref: string;
  sourceEtag: string;
  /** RFC 3339 UTC; floating and all-day times are read as UTC. */
  start: string;
  end: string;
  /** The standalone VEVENT: recurrence properties removed, DTSTART/DTEND of this occurrence. */
  vevent: ICAL.Component;
  /** The VTIMEZONE components for every TZID the VEVENT uses. */
  timezones: ICAL.Component[];
}

/** A source event (or object) that could not be expanded, and why. */
export interface SourceProblem {
  sourceHref: string;
  /** Absent when the object could not be read far enough to find its UID. */
  sourceUid?: string;
  reason: string;
}

/** An instance rendered as the exact object to store on the target. */
export interface DesiredCopy extends OccurrenceId {
  sourceHref: string;
  sourceEtag: string;
  start: string;
  end: string;
  targetHref: string;
  ics: string;
  contentHash: string;
}

/** The marker properties every copy carries, read back from a target object. */
export interface CopyMarkers {
  pairKey: string;
  sourceUid: string;
  recurrenceId: string;
}

/** One object in the target calendar as listed now. */
export interface TargetObject {
  href: string;
  etag: string | null;
  /** null when the object carries no markers of this tool (a foreign object). */
  markers: CopyMarkers | null;
  /** For a copy: its occurrence's [start, end), RFC 3339, to tell an orphan in the window from a copy that left it. */
  span: InstanceSpan | null;
}

export interface InstanceSpan {
  start: string;
  end: string;
}

/** What the state remembers of one copy (a row of the mappings table). */
export interface Mapping extends OccurrenceId {
  instanceStart: string;
  instanceEnd: string;
  sourceHref: string;
  sourceEtag: string | null;
  targetHref: string;
  targetEtag: string | null;
  contentHash: string;
}

/** One step of a plan. Only create, update, adopt and delete send a request. */
export type Action =
  | { kind: 'create'; copy: DesiredCopy; reason: string }
  | { kind: 'update'; copy: DesiredCopy; etag: string; reason: string }
  /** A copy of this pair found at its own href with no mapping (lost state, crash): rewritten in place. */
  | { kind: 'adopt'; copy: DesiredCopy; etag: string; reason: string }
  | { kind: 'delete'; mapping: Mapping; etag: string; reason: string }
  /** The mapping is forgotten and the copy left as it is. */
  | { kind: 'retire'; mapping: Mapping; reason: string }
  | { kind: 'unchanged'; copy: DesiredCopy }
  | { kind: 'skip'; id: Partial<OccurrenceId>; sourceHref?: string; targetHref?: string; reason: string };
