// Hand-built planner inputs shared by the planner's unit tests.
import type { CopyMarkers, DesiredCopy, Mapping, ObjectFacts, SyncWindow, TargetObject } from '../../lib/domain.ts';
import { DEFAULT_POLICY, planActions, type PlanInput } from '../../lib/plan-actions.ts';

export const PAIR = 'pair0000aaaa';
export const OTHER_PAIR = 'pair1111bbbb';
export const WINDOW: SyncWindow = {
  start: Date.parse('2025-03-01T00:00:00Z'),
  end: Date.parse('2025-04-01T00:00:00Z'),
};

/** The href the copy of an occurrence lives at (deterministic, like the real copy file name). */
export function hrefOf(sourceUid: string, recurrenceId = ''): string {
  return `/cal/target/calsync-${sourceUid}-${recurrenceId || 'single'}.ics`;
}

export function copy(sourceUid: string, recurrenceId = '', overrides: Partial<DesiredCopy> = {}): DesiredCopy {
  return {
    sourceUid,
    recurrenceId,
    sourceHref: `/cal/source/${sourceUid}.ics`,
    sourceEtag: '"src-1"',
    start: '2025-03-10T09:00:00Z',
    end: '2025-03-10T10:00:00Z',
    targetHref: hrefOf(sourceUid, recurrenceId),
    uid: `calsync-${sourceUid}-${recurrenceId || 'single'}`,
    ics: `BEGIN:VCALENDAR\r\n...${sourceUid} ${recurrenceId}...\r\nEND:VCALENDAR\r\n`,
    contentHash: 'hash-v1',
    summary: `Summary of ${sourceUid}`,
    ...overrides,
  };
}

export function mapping(sourceUid: string, recurrenceId = '', overrides: Partial<Mapping> = {}): Mapping {
  return {
    sourceUid,
    recurrenceId,
    instanceStart: '2025-03-10T09:00:00Z',
    instanceEnd: '2025-03-10T10:00:00Z',
    sourceHref: `/cal/source/${sourceUid}.ics`,
    sourceEtag: '"src-1"',
    targetHref: hrefOf(sourceUid, recurrenceId),
    targetEtag: '"tgt-1"',
    targetUid: null,
    contentHash: 'hash-v1',
    copyState: 'synced',
    ...overrides,
  };
}

export function markers(sourceUid: string, recurrenceId = '', pairKey = PAIR): CopyMarkers {
  return { pairKey, sourceUid, recurrenceId };
}

/** A listed target object; a copy's occurrence is inside the window unless `span` says otherwise. */
export function listed(href: string, etag: string | null, objectMarkers: CopyMarkers | null, span = objectMarkers ? IN_WINDOW : null, facts: ObjectFacts | null = null): TargetObject {
  return { href, etag, markers: objectMarkers, span, facts };
}

export function plan(input: Partial<PlanInput>) {
  return planActions({ pairKey: PAIR, window: WINDOW, desired: [], problems: [], target: [], mappings: [], policy: DEFAULT_POLICY, ...input });
}

/** Where a copy is written when it is new: its own derived href and UID. */
export const own = (c: DesiredCopy) => ({ href: c.targetHref, uid: null });

/** Where a copy is written when it is made again after its deletion on the target: generation 2, 3, ... of its UID. */
export const remadeAt = (c: DesiredCopy, generation: number) => ({ href: `/cal/target/${c.uid}-r${generation}.ics`, uid: `${c.uid}-r${generation}` });

export const RID = '20250310T090000Z';
export const IN_WINDOW = { start: '2025-03-10T09:00:00Z', end: '2025-03-10T10:00:00Z' };


export function facts(uid: string, summary: string, overrides: Partial<ObjectFacts> = {}): ObjectFacts {
  return { uid, recurrenceId: '', summary, recurring: false, sequence: 0, createdAt: '', canonicalHash: '', ...overrides };
}
