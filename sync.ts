#!/usr/bin/env -S npx tsx
// caldav-instance-sync: keeps a target calendar in step with a source calendar, one event instance
// at a time. The flow of a run: read the source, expand every event into the occurrences inside the
// window, read the target, plan the actions against the state, apply them and record each one.
import { existsSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { openDatabase } from './db/open-database.ts';
import { DiscoveryCache } from './db/discovery-cache.ts';
import { SyncState } from './db/sync-state.ts';
import { applyAction } from './lib/apply-action.ts';
import { forEachLimited } from './lib/concurrency.ts';
import { loadConfig, type SyncFlags } from './lib/config.ts';
import { pairKeyFor } from './lib/copy-identity.ts';
import { openSource, openTarget } from './lib/endpoints/open-endpoints.ts';
import type { DesiredCopy, SourceObject, SyncWindow } from './lib/domain.ts';
import type { TargetEndpoint } from './lib/endpoints/endpoint.ts';
import { EXIT, UserError } from './lib/errors.ts';
import { expandWindow } from './lib/expand-window.ts';
import { newRequestStats } from './lib/http.ts';
import { rfc3339 } from './lib/instants.ts';
import { planActions } from './lib/plan-actions.ts';
import { refreshSource, refreshTarget } from './lib/refresh-collection.ts';
import { renderCopy } from './lib/render-copy.ts';
import { countOf, describeAction, emptyCounts, summaryLine } from './lib/run-report.ts';

const log = (line: string) => console.log(`${rfc3339(Date.now())} ${line}`);
const warn = (line: string) => console.error(`${rfc3339(Date.now())} warning: ${line}`);

/** What the source wants on the target: every instance in the window, rendered as the copy to store. */
function desiredCopies(sourceObjects: SourceObject[], window: SyncWindow, pairKey: string, target: TargetEndpoint) {
  const desired: DesiredCopy[] = [];
  // Each instance is rendered as it is made and only the text is kept, for memory's sake.
  const expansion = expandWindow(sourceObjects, window, (instance) => desired.push(renderCopy(instance, pairKey, (name) => target.hrefFor(name))));
  expansion.warnings.forEach(warn);
  return { desired, problems: expansion.problems };
}

async function sync(flags: SyncFlags): Promise<number> {
  const began = Date.now();
  const config = loadConfig(flags, process.env, began, warn);
  const stats = newRequestStats();
  // A dry run writes nothing, not even a new state file.
  const db = openDatabase(config.dryRun && !existsSync(config.dbPath) ? ':memory:' : config.dbPath);
  try {
    const discovery = config.dryRun ? undefined : new DiscoveryCache(db);
    const source = await openSource(config.source, stats, discovery);
    const target = await openTarget(config.target, stats, discovery);
    const pairKey = pairKeyFor(source.identity, target.identity);
    const state = SyncState.forPair(db, pairKey, source.identity, target.identity);
    const window = { start: rfc3339(config.window.start), end: rfc3339(config.window.end) };
    const runId = config.dryRun ? 0 : state.startRun(window);
    const traffic = () => ({
      requests: Object.values(stats.byMethod).reduce((a, b) => a + b, 0),
      requestsByMethod: JSON.stringify(stats.byMethod),
      bytesReceived: stats.bytesReceived,
      durationMs: Date.now() - began,
    });
    try {
      const { desired, problems: sourceProblems } = desiredCopies(await refreshSource(source, state, !config.dryRun), config.window, pairKey, target);
      const mappings = state.mappings();
      const targetObjects = await refreshTarget(target, state, pairKey, mappings, !config.dryRun);
      const actions = planActions({ pairKey, window: config.window, desired, problems: sourceProblems, target: targetObjects, mappings });

      const counts = emptyCounts();
      if (config.dryRun) {
        for (const action of actions) {
          counts[countOf(action)]++;
          if (action.kind !== 'unchanged') log(`would ${describeAction(action)}`);
        }
      } else {
        await forEachLimited(actions, config.concurrency, async (action) => {
          const outcome = await applyAction(action, target, state, runId);
          counts[outcome === 'ok' ? countOf(action) : 'failed']++;
          if (action.kind !== 'unchanged') log(`${outcome === 'ok' ? '' : 'FAILED '}${describeAction(action)}`);
        });
        state.recordUnchanged(runId, actions.flatMap((a) => (a.kind === 'unchanged' ? [a.copy] : [])));
      }
      const problems = counts.failed + counts.skipped;
      if (!config.dryRun) state.finishRun(runId, problems === 0 ? 'success' : 'partial', counts, traffic());
      log(`${config.dryRun ? 'dry run, nothing written: ' : ''}${summaryLine(counts, stats, Date.now() - began)} [window ${window.start} .. ${window.end}]`);
      return problems === 0 ? EXIT.ok : EXIT.partial;
    } catch (error) {
      if (!config.dryRun) state.finishRun(runId, 'failed', emptyCounts(), traffic(), (error as Error).message);
      throw error;
    }
  } finally {
    db.$client.close();
  }
}

await yargs(hideBin(process.argv))
  .scriptName('sync.ts')
  .usage('$0 [options]\n\nSyncs every event instance of the source calendar inside the window into the target calendar.')
  .command(
    '$0',
    'sync the source calendar into the target (the default command)',
    (y) =>
      y
        .option('config', { type: 'string', describe: 'config.env file (see config.env.example)' })
        .option('source', { type: 'string', describe: 'source: CalDAV server or calendar URL, .ics feed URL, or .ics file' })
        .option('target', { type: 'string', describe: 'target: CalDAV server or calendar URL, or a folder' })
        .option('source-username', { type: 'string' })
        .option('source-calendar', { type: 'string', describe: 'display name or collection URL/path' })
        .option('target-username', { type: 'string' })
        .option('target-calendar', { type: 'string', describe: 'display name or collection URL/path' })
        .option('past-days', { type: 'number', describe: 'window starts this many days ago (30)' })
        .option('future-days', { type: 'number', describe: 'window ends this many days ahead (90)' })
        .option('from', { type: 'string', describe: 'absolute window start: date or RFC 3339 time' })
        .option('to', { type: 'string', describe: 'absolute window end: date or RFC 3339 time' })
        .option('db', { type: 'string', describe: 'state database (default: sync.db beside the config)' })
        .option('dry-run', { type: 'boolean', describe: 'print the plan and write nothing' })
        .option('concurrency', { type: 'number', describe: 'requests to a server at once (4)' })
        .example('$0 --source examples/team-calendar.ics --target ./mirror', 'sync the bundled example into a folder')
        .example('$0 --config config.env', 'sync the calendars named in config.env')
        .example('$0 --config config.env --dry-run', 'show what a sync would do'),
    async (argv) => {
      process.exitCode = await sync(argv as SyncFlags);
    },
  )
  .strict()
  .fail((message, error) => {
    if (error) throw error;
    console.error(`error: ${message} (see --help)`);
    process.exit(EXIT.config);
  })
  .help()
  .version()
  .parseAsync()
  .catch((error: unknown) => {
    if (error instanceof UserError) {
      for (const line of error.message.split('\n')) console.error(`error: ${line}`);
      process.exit(error.exitCode);
    }
    throw error;
  });
