// The tool's local work alone (parse, expand, render, plan) for N source objects of the bench
// workload over the default window; prints one JSON line: milliseconds, instances, peak RSS.
import type { DesiredCopy } from '../lib/domain.ts';
import { workload } from './workload.ts';
import { expandWindow } from '../lib/expand-window.ts';
import { DEFAULT_POLICY, planActions } from '../lib/plan-actions.ts';
import { renderCopy } from '../lib/render-copy.ts';

const count = Number(process.argv[2] ?? 10_000);
const DAY = 86_400_000;
const anchor = Math.floor(Date.now() / DAY) * DAY;
const objects = workload(count, anchor).map((o) => ({ href: o.name, etag: '"1"', data: o.ics }));
const window = { start: Date.now() - 30 * DAY, end: Date.now() + 90 * DAY };
const began = performance.now();
const desired: DesiredCopy[] = [];
const expansion = expandWindow(objects, window, (instance) => desired.push(renderCopy(instance, 'benchpair000', (name) => name)));
const actions = planActions({ pairKey: 'benchpair000', window, desired, problems: expansion.problems, target: [], mappings: [], policy: DEFAULT_POLICY });
const ms = Math.round(performance.now() - began);
console.log(JSON.stringify({ objects: count, instances: desired.length, actions: actions.length, ms, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
