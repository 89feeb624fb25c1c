// The target as the planner sees it. Copies the state already knows, unchanged since, are not
// downloaded again: only new or changed objects are read to find out whose they are.
import { readMarkers } from './copy-identity.ts';
import type { Mapping, TargetObject } from './domain.ts';
import type { TargetEndpoint } from './endpoints/endpoint.ts';

export async function readTarget(target: TargetEndpoint, pairKey: string, mappings: Mapping[]): Promise<TargetObject[]> {
  const known = new Map(mappings.map((m) => [m.targetHref, m]));
  const listed = await target.listObjects();
  const isKnown = (href: string, etag: string | null) => etag !== null && known.get(href)?.targetEtag === etag;
  const fetched = await target.fetchObjects(listed.filter((o) => !isKnown(o.href, o.etag)).map((o) => o.href));
  const objects: TargetObject[] = fetched.map((o) => ({ href: o.href, etag: o.etag, markers: readMarkers(o.data) }));
  for (const o of listed) {
    const mapping = known.get(o.href);
    if (mapping && isKnown(o.href, o.etag)) objects.push({ href: o.href, etag: o.etag, markers: { pairKey, sourceUid: mapping.sourceUid, recurrenceId: mapping.recurrenceId } });
  }
  return objects;
}
