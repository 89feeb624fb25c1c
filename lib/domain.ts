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
  /** The derived UID the copy is rendered with. */
  uid: string;
  ics: string;
  contentHash: string;
  /** SUMMARY of the occurrence ('' when it has none): with the start, what duplicates are judged by. */
  summary: string;
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
  /** Its (first) occurrence's [start, end), RFC 3339: tells an orphan in the window from a copy that left it. */
  span: InstanceSpan | null;
  /** What duplicates and the Python tool's copies are recognised by; null when it could not be read. */
  facts: ObjectFacts | null;
}

/** The properties of a target object's main VEVENT that tell duplicates and earlier copies apart. */
export interface ObjectFacts {
  uid: string;
  /** Its own RECURRENCE-ID, canonical ('' for none). */
  recurrenceId: string;
  summary: string;
  /** A series (RRULE or RDATE): never taken for a copy of one occurrence. */
  recurring: boolean;
  sequence: number;
  /** CREATED, else DTSTAMP, RFC 3339 ('' when neither is there): the older copy is the one kept. */
  createdAt: string;
  /** canonicalHash of the object as stored (see render-copy.ts): tells a copy that is already right. */
  canonicalHash: string;
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
  /** The UID the copy has on the target when it is not the derived one (an adopted earlier copy keeps its UID). */
  targetUid: string | null;
  contentHash: string;
  /** 'deleted-on-target': the user deleted the copy and TARGET_DELETIONS=respect keeps it deleted. */
  copyState: CopyState;
}

export type CopyState = 'synced' | 'deleted-on-target';

/** What the user chose for what happens to copies on the target (TARGET_DELETIONS, TARGET_EDITS, ...). */
export interface SyncPolicy {
  targetDeletions: 'recreate' | 'respect' | 'propagate';
  targetEdits: 'overwrite' | 'keep';
  /** Foreign duplicates are deleted too, by the same keep rule, instead of only being reported. */
  dedupeForeign: boolean;
  /** Foreign objects that are earlier copies of an occurrence (the Python tool's) may be adopted: the pair's first run. */
  adoptForeign: boolean;
  /** Copies of this pair whose occurrence is not in the source and that the state does not know are deleted (repair --delete-orphans). */
  deleteOrphans: boolean;
}

/** Where a copy is written: its href, and the UID to keep when it is not the derived one. */
export interface CopyPlace {
  href: string;
  uid: string | null;
}

/** One step of a plan. Create, update, adopt, delete, discard and propagate send requests. */
export type Action =
  | { kind: 'create'; copy: DesiredCopy; place: CopyPlace; reason: string }
  | { kind: 'update'; copy: DesiredCopy; place: CopyPlace; etag: string; reason: string }
  /** A copy with no mapping (lost state, crash, an earlier tool's copy): rewritten in place, If-Match. */
  | { kind: 'adopt'; copy: DesiredCopy; place: CopyPlace; etag: string; reason: string }
  /** A copy with no mapping that is already exactly what the source wants: only the state is rebuilt. */
  | { kind: 'relink'; copy: DesiredCopy; place: CopyPlace; etag: string; reason: string }
  | { kind: 'delete'; mapping: Mapping; etag: string; reason: string }
  /** An object with no mapping deleted: a duplicate. */
  | { kind: 'discard'; object: TargetObject & { etag: string }; reason: string }
  /** The copy was deleted on the target: the occurrence is deleted in the source (TARGET_DELETIONS=propagate). */
  | { kind: 'propagate'; mapping: Mapping; reason: string }
  /** The copy was deleted on the target and stays deleted (TARGET_DELETIONS=respect): remembered. */
  | { kind: 'respect'; mapping: Mapping; reason: string }
  /** The mapping is forgotten and the copy left as it is. */
  | { kind: 'retire'; mapping: Mapping; reason: string }
  | { kind: 'unchanged'; copy: DesiredCopy }
  /** A copy changed on the target and left so (TARGET_EDITS=keep): reported every run. */
  | { kind: 'conflict'; id: OccurrenceId; targetHref: string; reason: string }
  /** Something worth telling that needs no write (a foreign duplicate). */
  | { kind: 'report'; id: Partial<OccurrenceId>; targetHref: string; reason: string }
  | { kind: 'skip'; id: Partial<OccurrenceId>; sourceHref?: string; targetHref?: string; reason: string };
