// What `verify` reports: the plan a sync would make, read as differences between the state and what
// the servers hold. Pure: the plan and the state in, the findings out.
import type { Action, Mapping, TargetObject } from './domain.ts';
import { describeAction } from './run-report.ts';

export type FindingKind =
  | 'missing copy'
  | 'copy changed on the target'
  | 'copy with no mapping'
  | 'mapping with no copy'
  | 'orphan'
  | 'duplicate'
  | 'not synced yet'
  | 'problem';

export interface Finding {
  kind: FindingKind;
  detail: string;
}

const keyOf = (id: { sourceUid: string; recurrenceId: string }) => `${id.sourceUid}\0${id.recurrenceId}`;

/** The findings of a plan; an empty list means the state and the servers agree. */
export function verificationFindings(actions: Action[], mappings: Mapping[], target: TargetObject[]): Finding[] {
  const mappingByKey = new Map(mappings.map((m) => [keyOf(m), m]));
  const onTarget = new Set(target.map((o) => o.href));
  const findings: Finding[] = [];
  const add = (kind: FindingKind, action: Action) => findings.push({ kind, detail: describeAction(action) });
  for (const action of actions) {
    switch (action.kind) {
      case 'unchanged':
        break;
      case 'create':
        add(mappingByKey.has(keyOf(action.copy)) ? 'missing copy' : 'not synced yet', action);
        break;
      case 'update':
        add(mappingByKey.get(keyOf(action.copy))?.targetEtag !== action.etag ? 'copy changed on the target' : 'not synced yet', action);
        break;
      case 'conflict':
        add('copy changed on the target', action);
        break;
      case 'respect':
      case 'propagate':
        add('missing copy', action);
        break;
      case 'adopt':
      case 'relink':
        add('copy with no mapping', action);
        break;
      case 'delete':
        add('not synced yet', action);
        break;
      case 'retire':
        // A copy that left the window keeps its mapping until the next sync retires it: not a difference.
        if (!onTarget.has(action.mapping.targetHref) && action.mapping.copyState === 'synced') add('mapping with no copy', action);
        break;
      case 'discard':
      case 'report':
        add('duplicate', action);
        break;
      case 'skip':
        add(action.reason.includes('(orphan)') ? 'orphan' : 'problem', action);
        break;
    }
  }
  return findings;
}
