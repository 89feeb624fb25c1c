#!/usr/bin/env -S npx tsx
// caldav-instance-sync: keeps a target calendar in step with a source calendar, one event instance
// at a time. The flow of a run: read the source, expand every event into the occurrences inside the
// window, read the target, plan the actions against the state, apply them and record each one.
import { existsSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { explainEvent, explanationText } from './commands/explain-event.ts';
import { initConfig } from './commands/init-config.ts';
import { listCalendars } from './commands/list-calendars.ts';
import { openExistingState } from './commands/open-state.ts';
import { pruneAudit } from './commands/prune-audit.ts';
import { auditRows, logJsonLines, logText } from './commands/show-log.ts';
import { pairStatuses, statusText } from './commands/show-status.ts';
import { openDatabase, type StateDatabase } from './db/open-database.ts';
import { DiscoveryCache } from './db/discovery-cache.ts';
import { RunLock } from './db/run-lock.ts';
import { SyncState } from './db/sync-state.ts';
import { applyAction, type ActionOutcome } from './lib/apply-action.ts';
import { applyUndoStep, undoEntry } from './lib/apply-undo.ts';
import { forEachLimited } from './lib/concurrency.ts';
import { loadConfig, type SyncConfig, type SyncFlags } from './lib/config.ts';
import { pairKeyFor } from './lib/copy-identity.ts';
import { deletionGuard, type GuardVerdict } from './lib/deletion-guard.ts';
import { openSource, openTarget } from './lib/endpoints/open-endpoints.ts';
import type { Action, DesiredCopy, SourceObject, SyncPolicy, SyncWindow } from './lib/domain.ts';
import { isWritable, type SourceEndpoint, type TargetEndpoint } from './lib/endpoints/endpoint.ts';
import { EXIT, UserError } from './lib/errors.ts';
import { expandWindow } from './lib/expand-window.ts';
import { newRequestStats, type RequestRecord, type RequestStats } from './lib/http.ts';
import { rfc3339 } from './lib/instants.ts';
import { planActions } from './lib/plan-actions.ts';
import { describeUndoStep, planUndo } from './lib/plan-undo.ts';
import { propagateDeletions } from './lib/propagate-deletions.ts';
import { refreshSource, refreshTarget, type FetchProgress } from './lib/refresh-collection.ts';
import { renderCopy } from './lib/render-copy.ts';
import { actionRecord, countOf, describeAction, emptyCounts, requestTotal, summaryLine, trafficRecord, wroteAnything } from './lib/run-report.ts';
import { RunLog, type LogSettings } from './lib/run-log.ts';
import { verificationFindings } from './lib/verify-findings.ts';

/**
 * What a run prints. --log-json is read from the command line itself, as --detailed-exitcode is: a
 * usage error is reported before yargs has parsed it, and is a JSON line too.
 */
const runLog = new RunLog(hideBin(process.argv).includes('--log-json'));
const warn = (line: string) => runLog.warn(line);

/** --verbose: each attempt of each request. RequestRecord holds no header, so no credential either. */
function logRequest(request: RequestRecord) {
  const attempt = request.attempt > 1 ? ` (attempt ${request.attempt})` : '';
  runLog.detail('request', `request ${request.side} ${request.method} ${request.path} ${request.status ?? request.failure} ${request.ms} ms${attempt}`, { ...request });
}

/** The progress bar's count of one side's download, from its listing on (the total is known after it). */
function fetchProgress(side: 'source' | 'target'): FetchProgress {
  runLog.progress({ phase: `fetching ${side}`, done: 0, total: null, unit: 'objects' });
  return (done, total) => runLog.progress({ phase: `fetching ${side}`, done, total, unit: 'objects' });
}

/** What the source wants on the target: every instance in the window, rendered as the copy to store. */
function desiredCopies(sourceObjects: SourceObject[], window: SyncWindow, pairKey: string, target: TargetEndpoint) {
  const desired: DesiredCopy[] = [];
  // Each instance is rendered as it is made and only the text is kept, for memory's sake.
  const expansion = expandWindow(sourceObjects, window, (instance) => {
    desired.push(renderCopy(instance, pairKey, (name) => target.hrefFor(name)));
    runLog.progress({ phase: 'planning', done: desired.length, total: null, unit: 'occurrences' });
  });
  expansion.warnings.forEach(warn);
  return { desired, problems: expansion.problems };
}

/**
 * Both sides as they are now, and the plan against the state. `relist` ignores the change marks and
 * lists both calendars in full (verify); `persist` false leaves the state as it was (dry run, verify).
 */
async function readAndPlan(run: {
  source: SourceEndpoint;
  target: TargetEndpoint;
  state: SyncState;
  pairKey: string;
  window: SyncWindow;
  policy: SyncPolicy;
  persist: boolean;
  relist?: boolean;
}) {
  const { source, target, state, pairKey, window, policy, persist } = run;
  const sourceObjects = await refreshSource(source, state, persist, run.relist ? null : undefined, fetchProgress('source'));
  const { desired, problems } = desiredCopies(sourceObjects, window, pairKey, target);
  const mappings = state.mappings();
  const targetObjects = await refreshTarget(target, state, pairKey, mappings, persist, run.relist ? null : undefined, fetchProgress('target'));
  const actions = planActions({ pairKey, window, desired, problems, target: targetObjects, mappings, policy });
  return { sourceObjects, targetObjects, mappings, actions };
}

/** The state database of a pair that has synced before, for the commands that need one (verify, undo). */
function openSyncedState(config: SyncConfig, verb: string): StateDatabase {
  if (!existsSync(config.dbPath)) throw new UserError(`there is no state database at ${config.dbPath} to ${verb}; a sync makes it (give --db or --config if it is elsewhere)`);
  return openDatabase(config.dbPath);
}

/** Both calendars and the state of the pair they form, which must exist. */
async function openSyncedPair(config: SyncConfig, db: StateDatabase, stats: RequestStats) {
  const source = await openSource(config.source, stats);
  const target = await openTarget(config.target, stats);
  const pairKey = pairKeyFor(source.identity, target.identity);
  if (!SyncState.exists(db, pairKey)) throw new UserError(`${config.dbPath} holds no state for this pair of calendars; check the settings, or run a sync first`);
  return { source, target, pairKey, state: SyncState.forPair(db, pairKey, source.identity, target.identity, config.pairName) };
}

/** What a run cost, as its runs row keeps it. */
const runTraffic = (stats: RequestStats, began: number) => ({
  requests: requestTotal(stats),
  requestsByMethod: JSON.stringify(stats.byMethod),
  bytesReceived: stats.bytesReceived,
  durationMs: Date.now() - began,
});

/** `verify`: what a sync would change, read as differences between the state and the servers; nothing is written. */
async function verify(flags: SyncFlags): Promise<number> {
  const began = Date.now();
  const config = loadConfig(flags, process.env, began, warn);
  const stats = newRequestStats(logRequest);
  const db = openSyncedState(config, 'verify');
  try {
    const { source, target, pairKey, state } = await openSyncedPair(config, db, stats);
    const policy = { ...config.policy, adoptForeign: false, deleteOrphans: false };
    const { targetObjects, mappings, actions } = await readAndPlan({ source, target, state, pairKey, window: config.window, policy, persist: false, relist: true });
    const findings = verificationFindings(actions, mappings, targetObjects);
    for (const finding of findings) runLog.info('finding', `${finding.kind}: ${finding.detail}`, { ...finding });
    const copies = actions.filter((a) => a.kind === 'unchanged').length;
    runLog.summary(`${findings.length === 0 ? 'consistent' : `${findings.length} differences`}: ${copies} copies as the state says; ${requestTotal(stats)} requests, nothing written`, {
      differences: findings.length,
      copies,
      ...trafficRecord(stats, Date.now() - began),
    });
    return findings.length === 0 ? EXIT.ok : EXIT.changes;
  } finally {
    db.$client.close();
  }
}

/**
 * `undo <run>`: the run's writes reverted, newest first: copies it created deleted, copies it
 * updated or adopted given their earlier text, copies it deleted put back, source events it changed
 * (propagate) restored. Each only while the object is as the run left it. The next sync follows the
 * source again, so the cause (a wrong source, a wrong setting) is fixed first.
 */
async function undo(flags: SyncFlags & { run: number }): Promise<number> {
  const began = Date.now();
  const config = loadConfig(flags, process.env, began, warn);
  const stats = newRequestStats(logRequest);
  const db = openSyncedState(config, 'undo from');
  let lock: RunLock | null = null;
  try {
    const { source, target, pairKey, state } = await openSyncedPair(config, db, stats);
    const undone = state.run(flags.run);
    if (!undone) throw new UserError(`run ${flags.run} is not a run of this pair of calendars; see the runs with: sync.ts status`);
    if (undone.command === 'undo') throw new UserError(`run ${flags.run} was itself an undo; a sync makes the target follow the source again`);
    lock = config.dryRun ? null : RunLock.acquire(db, state.pairId);
    const rows = state.auditOfRun(flags.run);
    const writable = isWritable(source) ? source : null;
    const needsSource = rows.some((row) => row.action === 'propagate' && row.outcome === 'ok');
    // What both sides hold now decides which writes can still be undone.
    const targetNow = await refreshTarget(target, state, pairKey, state.mappings(), !config.dryRun, undefined, fetchProgress('target'));
    const sourceNow = needsSource && writable ? await refreshSource(writable, state, !config.dryRun, undefined, fetchProgress('source')) : [];
    const steps = planUndo({
      rows,
      target: new Map(targetNow.map((o) => [o.href, o.etag])),
      source: writable ? new Map(sourceNow.map((o) => [o.href, o.etag])) : null,
      undone: state.undoneRows(),
    });
    const window = { start: rfc3339(config.window.start), end: rfc3339(config.window.end) };
    const runId = config.dryRun ? 0 : state.startRun(window, 'undo');
    lock?.attachRun(runId);
    const counts = emptyCounts();
    for (const step of steps) {
      const line = describeUndoStep(step, flags.run);
      const about = 'row' in step ? { sourceUid: step.row.sourceUid, recurrenceId: step.row.recurrenceId, targetHref: step.row.targetHref } : { sourceHref: step.href };
      const fields = { step: step.kind, undoneRun: flags.run, ...about };
      if (step.kind === 'already') runLog.info('undo', line, fields);
      else if (step.kind === 'cannot') {
        counts.skipped++;
        runLog.warn(line, fields);
        if (!config.dryRun) state.recordOnly(runId, { ...undoEntry(step.row, line), outcome: 'failed' });
      } else if (config.dryRun) runLog.info('undo', `would ${line}`, { ...fields, dryRun: true });
      else {
        const outcome = await applyUndoStep(step, target, writable, state, runId, line);
        if (outcome === 'ok') {
          counts[step.kind === 'remove' ? 'deleted' : step.kind === 'recreate' ? 'created' : 'updated']++;
          runLog.info('undo', line, fields);
        } else {
          counts.failed++;
          runLog.failure('undo', `FAILED ${line}: ${outcome.failed}`, { ...fields, outcome: 'failed', error: outcome.failed });
        }
      }
    }
    const problems = counts.failed + counts.skipped;
    if (!config.dryRun) {
      // The next sync lists both sides in full rather than trust a delta across the undo.
      state.forgetCollectionMark('target');
      if (needsSource) state.forgetCollectionMark('source');
      state.finishRun(runId, problems === 0 ? 'success' : 'partial', counts, runTraffic(stats, began));
    }
    runLog.summary(`${config.dryRun ? 'dry run, nothing written: ' : ''}undo of run ${flags.run}: ${summaryLine(counts, stats, Date.now() - began)}`, {
      undoneRun: flags.run,
      dryRun: config.dryRun,
      counts,
      ...trafficRecord(stats, Date.now() - began),
    });
    return problems === 0 ? EXIT.ok : EXIT.partial;
  } finally {
    lock?.release();
    db.$client.close();
  }
}

/** SIGINT and SIGTERM let the actions under way finish and be recorded; a second one stops at once. */
function watchForStop(): { signal: () => NodeJS.Signals | null; dispose: () => void } {
  let received: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(signal === 'SIGINT' ? EXIT.interruptedBySigint : EXIT.interruptedBySigterm);
    received = signal;
    warn(`${signal} received: finishing the actions under way, then stopping (send it again to stop at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: () => received,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function guardMessage(verdict: GuardVerdict, maxPercent: number, dryRun: boolean): string {
  const share = verdict.all ? 'all of them' : `more than MAX_DELETE_PERCENT=${maxPercent}%`;
  const outcome = dryRun ? 'a real run would stop before writing anything' : 'nothing was written';
  const onTarget = verdict.deletions - verdict.inSource;
  const what = [
    onTarget > 0 ? `${onTarget} of the pair's ${verdict.held} copies` : '',
    verdict.inSource > 0 ? `${verdict.inSource} occurrences in the source (their copies are gone from the target, where the pair has ${verdict.held} left)` : '',
  ].filter(Boolean).join(' and ');
  const next =
    verdict.inSource > 0
      ? 'If the copies were deleted on the target on purpose, run again with --force-delete; if not, check TARGET_URL and TARGET_CALENDAR'
      : 'If the source really lost these events, run again with --force-delete; if not, check SOURCE_URL and SOURCE_CALENDAR';
  return `this run would delete ${what} (${verdict.percent}%, ${share}); ${outcome}. ${next} (see --dry-run for the plan)`;
}

/**
 * A sync, or with `repair` a sync that trusts no change mark (both calendars listed in full),
 * recreates every missing copy whatever TARGET_DELETIONS says, and with --delete-orphans deletes the
 * pair's copies that nothing in the source or the state accounts for.
 */
async function sync(flags: SyncFlags, repair = false): Promise<number> {
  const began = Date.now();
  const config = loadConfig(flags, process.env, began, warn);
  const stats = newRequestStats(logRequest);
  // A dry run writes nothing, not even a new state file.
  const db = openDatabase(config.dryRun && !existsSync(config.dbPath) ? ':memory:' : config.dbPath);
  const stop = watchForStop();
  let lock: RunLock | null = null;
  try {
    const discovery = config.dryRun ? undefined : new DiscoveryCache(db);
    const source = await openSource(config.source, stats, discovery);
    const target = await openTarget(config.target, stats, discovery);
    if (config.policy.targetDeletions === 'propagate' && !isWritable(source)) {
      throw new UserError(`TARGET_DELETIONS=propagate deletes occurrences in the source, but the source ${config.source.url} is a file or feed that cannot be written; use a CalDAV source, or TARGET_DELETIONS=recreate or respect`, EXIT.config);
    }
    const pairKey = pairKeyFor(source.identity, target.identity);
    const state = SyncState.forPair(db, pairKey, source.identity, target.identity, config.pairName);
    lock = config.dryRun ? null : RunLock.acquire(db, state.pairId);
    const window = { start: rfc3339(config.window.start), end: rfc3339(config.window.end) };
    const policy: SyncPolicy = repair
      ? { ...config.policy, targetDeletions: 'recreate', adoptForeign: false, deleteOrphans: flags.deleteOrphans ?? false }
      : { ...config.policy, adoptForeign: !state.hasFinishedRun(), deleteOrphans: false };
    const runId = config.dryRun ? 0 : state.startRun(window, repair ? 'repair' : 'sync');
    lock?.attachRun(runId);
    const traffic = () => runTraffic(stats, began);
    try {
      const { sourceObjects, targetObjects, actions } = await readAndPlan({ source, target, state, pairKey, window: config.window, policy, persist: !config.dryRun, relist: repair });

      // The copies the pair has on the target now (whether the state maps them or not).
      const held = targetObjects.filter((o) => o.markers?.pairKey === pairKey).length;
      const verdict = config.forceDelete ? null : deletionGuard(actions, held, config.maxDeletePercent);
      if (verdict && !config.dryRun) {
        const message = guardMessage(verdict, config.maxDeletePercent, false);
        state.finishRun(runId, 'guarded', emptyCounts(), traffic(), message);
        runLog.summary(`stopped by the deletion guard, nothing written: ${summaryLine(emptyCounts(), stats, Date.now() - began)} [window ${window.start} .. ${window.end}]`, {
          guarded: true,
          window,
          counts: emptyCounts(),
          ...trafficRecord(stats, Date.now() - began),
        });
        throw new UserError(message, EXIT.guard);
      }

      const counts = emptyCounts();
      let notDone = 0;
      if (config.dryRun) {
        for (const action of actions) {
          const counter = countOf(action);
          if (counter) counts[counter]++;
          if (flags.json) continue;
          const fields = { ...actionRecord(action), dryRun: true };
          if (action.kind === 'unchanged') runLog.detail(action.kind, describeAction(action), fields);
          else runLog.info(action.kind, `would ${describeAction(action)}`, fields);
        }
        if (verdict) warn(guardMessage(verdict, config.maxDeletePercent, true));
        if (flags.json) {
          const plan = { pair: pairKey, window, counts, guard: verdict ? guardMessage(verdict, config.maxDeletePercent, true) : null, actions: actions.filter((a) => a.kind !== 'unchanged').map(actionRecord) };
          console.log(JSON.stringify(plan, null, 2));
        }
      } else {
        let done = 0;
        const record = (action: Action, outcome: ActionOutcome) => {
          const counter = countOf(action);
          if (outcome !== 'ok') counts.failed++;
          else if (counter) counts[counter]++;
          if (outcome !== 'ok') runLog.failure(action.kind, `FAILED ${describeAction(action)}: ${outcome.failed}`, { ...actionRecord(action), outcome: 'failed', error: outcome.failed });
          else if (action.kind === 'unchanged') runLog.detail(action.kind, describeAction(action), actionRecord(action));
          else runLog.info(action.kind, describeAction(action), actionRecord(action));
          runLog.progress({ phase: 'writing', done: ++done, total: actions.length, unit: 'actions', failed: counts.failed });
        };
        const creates = actions.some((a) => a.kind === 'create');
        const markBefore = state.collectionMark('target');
        if (creates) state.forgetCollectionMark('target');
        const propagations = actions.filter((a): a is Extract<Action, { kind: 'propagate' }> => a.kind === 'propagate');
        const onTarget = actions.filter((a): a is Exclude<Action, { kind: 'propagate' }> => a.kind !== 'propagate');
        let started = 0;
        await forEachLimited(
          onTarget,
          config.concurrency,
          async (action) => {
            started++;
            record(action, await applyAction(action, target, state, runId));
          },
          () => stop.signal() !== null,
        );
        state.recordUnchanged(runId, actions.flatMap((a) => (a.kind === 'unchanged' ? [a.copy] : [])));
        if (propagations.length > 0 && stop.signal() === null && isWritable(source)) {
          for (const [action, outcome] of await propagateDeletions(propagations, source, sourceObjects, state, runId)) record(action, outcome);
        }
        notDone = onTarget.length - started + (stop.signal() === null ? 0 : propagations.length);
        // The change mark moves past this run's own creations, so the next delta cannot hide their deletion.
        if (creates) {
          await refreshTarget(target, state, pairKey, state.mappings(), true, markBefore).catch((error: Error) =>
            warn(`could not renew the target's change mark after writing (${error.message}); the next run lists the target in full`),
          );
        }
      }
      const problems = counts.failed + counts.skipped;
      const interrupted = stop.signal();
      if (!config.dryRun) {
        const outcome = interrupted ? 'interrupted' : problems === 0 ? 'success' : 'partial';
        state.finishRun(runId, outcome, counts, traffic(), interrupted ? `stopped by ${interrupted} with ${notDone} actions not done` : undefined);
      }
      if (!flags.json) {
        runLog.summary(`${config.dryRun ? 'dry run, nothing written: ' : ''}${summaryLine(counts, stats, Date.now() - began)} [window ${window.start} .. ${window.end}]`, {
          dryRun: config.dryRun,
          window,
          counts,
          ...trafficRecord(stats, Date.now() - began),
        });
      }
      if (interrupted) {
        warn(`stopped by ${interrupted}: ${notDone} actions were not done; the next run does them`);
        return interrupted === 'SIGINT' ? EXIT.interruptedBySigint : EXIT.interruptedBySigterm;
      }
      if (problems > 0) return EXIT.partial;
      return flags.detailedExitcode && wroteAnything(counts) ? EXIT.changes : EXIT.ok;
    } catch (error) {
      if (!config.dryRun && !(error instanceof UserError && error.exitCode === EXIT.guard)) {
        state.finishRun(runId, 'failed', emptyCounts(), traffic(), (error as Error).message);
      }
      throw error;
    }
  } finally {
    lock?.release();
    stop.dispose();
    db.$client.close();
  }
}

/** How a run tells what it does, for the commands that run one: sync, repair, verify and undo. */
function logOptions<T>(y: Argv<T>) {
  return y
    .option('quiet', { type: 'boolean', conflicts: 'verbose', describe: 'print only errors, warnings and the summary line' })
    .option('verbose', { type: 'boolean', describe: 'also print each request (method, path, status, time, attempt) and each copy left as it was' })
    .option('log-json', { type: 'boolean', describe: 'each line as one JSON object on stdout, errors and warnings too' });
}

/** Runs a command that reads both calendars, with the output its flags ask for and no progress bar left behind. */
async function withRunLog(flags: LogSettings, run: () => Promise<number>): Promise<void> {
  runLog.configure(flags);
  try {
    process.exitCode = await run();
  } finally {
    runLog.end();
  }
}

/** The options that name the two calendars, the window, the state and the policies: sync and verify share them. */
function calendarOptions<T>(y: Argv<T>) {
  return logOptions(y)
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
    .option('request-timeout', { type: 'number', describe: 'seconds before a request without an answer has failed (60)' })
    .option('retry-attempts', { type: 'number', describe: 'attempts per request for failures that can pass (4)' })
    .option('retry-max-delay', { type: 'number', describe: 'longest wait before a retry, in seconds (30)' })
    .option('retry-budget', { type: 'number', describe: 'retries a run may make in all (30)' })
    .option('target-deletions', { type: 'string', choices: ['recreate', 'respect', 'propagate'], describe: 'a copy deleted on the target is recreated, stays deleted, or is deleted in the source too (recreate)' })
    .option('target-edits', { type: 'string', choices: ['overwrite', 'keep'], describe: 'a copy changed on the target is overwritten by the source, or kept and reported (overwrite)' });
}

/** The deletion guard's options, for the commands that may delete: sync and repair. */
function guardOptions<T>(y: Argv<T>) {
  return y
    .option('max-delete-percent', { type: 'number', describe: 'stop before writing if the run would delete more than this share of the copies (25)' })
    .option('force-delete', { type: 'boolean', describe: 'go on with a run the deletion guard stopped' });
}

/** Where the state database is, for the commands that only read or tidy it. */
function stateOptions<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'the config.env the sync uses (for SYNC_DB)' })
    .option('db', { type: 'string', describe: 'state database (default: sync.db beside the config)' });
}

/** Runs a command that reads or tidies the state database, and closes it. */
async function withState(flags: { config?: string; db?: string }, work: (db: StateDatabase) => void): Promise<void> {
  const db = openExistingState(flags);
  try {
    work(db);
  } finally {
    db.$client.close();
  }
}

/**
 * --detailed-exitcode: every failure exits 1, so that 2 always means "written" (as Terraform's plan
 * does). Read from the command line itself, since a usage error is reported before yargs has parsed it.
 */
const detailedExitcode = hideBin(process.argv).includes('--detailed-exitcode');

await yargs(hideBin(process.argv))
  .scriptName('sync.ts')
  .usage('$0 [command] [options]\n\nSyncs every event instance of the source calendar inside the window into the target calendar.')
  .command(
    ['$0', 'sync'],
    'sync the source calendar into the target (the default command)',
    (y) =>
      guardOptions(calendarOptions(y))
        .option('dry-run', { type: 'boolean', describe: 'print the plan and write nothing' })
        .option('json', { type: 'boolean', implies: 'dry-run', conflicts: 'log-json', describe: 'with --dry-run: print the plan as JSON (and nothing else on stdout)' })
        .option('detailed-exitcode', { type: 'boolean', describe: 'exit 0 when nothing was (or would be) written, 2 when something was, 1 on any error' })
        .option('concurrency', { type: 'number', describe: 'requests to a server at once (4)' })
        .option('dedupe-foreign', { type: 'boolean', describe: 'also delete duplicates among objects this tool did not make (keeps one)' })
        .example('$0 --source examples/team-calendar.ics --target ./mirror', 'sync the bundled example into a folder')
        .example('$0 --config config.env', 'sync the calendars named in config.env')
        .example('$0 --config config.env --dry-run', 'show what a sync would do')
        .example('$0 --config config.env --dry-run --json --detailed-exitcode', 'the plan as JSON; exit 2 if anything would be written'),
    async (argv) => {
      await withRunLog(argv, () => sync(argv as SyncFlags));
    },
  )
  .command(
    'repair',
    'make the state and the target consistent: lost state rebuilt from the copies, missing copies recreated, orphans deleted with --delete-orphans',
    (y) =>
      guardOptions(calendarOptions(y))
        .option('dry-run', { type: 'boolean', describe: 'print the plan and write nothing' })
        .option('delete-orphans', { type: 'boolean', describe: "delete the pair's copies that neither the source nor the state accounts for" })
        .example('$0 repair --config config.env --dry-run', 'what a repair would do')
        .example('$0 repair --config config.env --delete-orphans', 'repair, and delete copies nothing accounts for'),
    async (argv) => {
      await withRunLog(argv, () => sync(argv as SyncFlags, true));
    },
  )
  .command(
    'verify',
    'compare the state with what both calendars hold now, writing nothing; exit 0 when they agree, 2 when not',
    (y) =>
      calendarOptions(y)
        .example('$0 verify --config config.env', 'are the copies as the state says?'),
    async (argv) => {
      await withRunLog(argv, () => verify(argv as SyncFlags));
    },
  )
  .command(
    'undo <run>',
    "revert a run's writes: copies it created deleted, copies it changed or deleted put back as they were (each only if nobody changed it since)",
    (y) =>
      calendarOptions(y)
        .positional('run', { type: 'number', demandOption: true, describe: 'the run, as status and log show it' })
        .option('dry-run', { type: 'boolean', describe: 'print what would be undone and write nothing' })
        .example('$0 undo 12 --config config.env --dry-run', 'what undoing run 12 would do')
        .example('$0 undo 12 --config config.env', 'undo run 12'),
    async (argv) => {
      await withRunLog(argv, () => undo(argv as SyncFlags & { run: number }));
    },
  )
  .command(
    'explain <uid> [occurrence]',
    'how one source event became its copies: occurrences, the rule each came from, copies and audit history',
    (y) =>
      stateOptions(y)
        .positional('uid', { type: 'string', demandOption: true, describe: 'the source UID' })
        .positional('occurrence', { type: 'string', describe: 'one occurrence: its RECURRENCE-ID as in the log (e.g. 20261005T073000Z)' })
        .option('json', { type: 'boolean', describe: 'as JSON' })
        .example('$0 explain standup@example.org', 'every occurrence of the stand-up and its copy')
        .example('$0 explain standup@example.org 20261005T073000Z', 'one occurrence and its history'),
    async (argv) => withState(argv, (db) => {
      const explanations = explainEvent(db, argv.uid, argv.occurrence);
      console.log(argv.json ? JSON.stringify(explanations, null, 2) : explanationText(argv.uid, explanations));
    }),
  )
  .command(
    'status',
    'per pair: the last runs, the copies held, what is pending (conflicts, failures) and a run going now',
    (y) =>
      stateOptions(y)
        .option('pair', { type: 'string', describe: 'only the pair with this PAIR_NAME (or key)' })
        .option('runs', { type: 'number', default: 5, describe: 'how many of the last runs to show' })
        .option('json', { type: 'boolean', describe: 'as JSON' })
        .example('$0 status --config config.env', 'how the last runs went'),
    async (argv) => withState(argv, (db) => {
      const statuses = pairStatuses(db, argv.runs, argv.pair);
      if (argv.pair !== undefined && statuses.length === 0) throw new UserError(`no pair is named ${argv.pair} in this state database; run status without --pair to see them all`);
      console.log(argv.json ? JSON.stringify(statuses, null, 2) : statusText(statuses));
    }),
  )
  .command(
    'log',
    'the audit log: every action with its time, run, occurrence, target href and reason',
    (y) =>
      stateOptions(y)
        .option('pair', { type: 'string', describe: 'only the pair with this PAIR_NAME (or key)' })
        .option('run', { type: 'number', describe: 'only this run' })
        .option('uid', { type: 'string', describe: 'only this source UID' })
        .option('href', { type: 'string', describe: 'only this target href' })
        .option('action', { type: 'string', choices: ['create', 'update', 'adopt', 'relink', 'delete', 'discard', 'propagate', 'respect', 'retire', 'conflict', 'report', 'skip', 'undo'] })
        .option('outcome', { type: 'string', choices: ['ok', 'failed'] })
        .option('limit', { type: 'number', default: 100, describe: 'the newest rows only, this many' })
        .option('json', { type: 'boolean', describe: 'JSON lines, one row each' })
        .example('$0 log --outcome failed', 'what went wrong lately')
        .example('$0 log --uid standup@example.org --json', 'the history of one event, for a program'),
    async (argv) => withState(argv, (db) => {
      const rows = auditRows(db, { pair: argv.pair, run: argv.run, uid: argv.uid, href: argv.href, action: argv.action, outcome: argv.outcome, limit: argv.limit });
      if (argv.json) {
        if (rows.length > 0) console.log(logJsonLines(rows));
      } else console.log(logText(rows));
    }),
  )
  .command(
    'prune',
    'remove audit rows older than an age (the only way audit rows ever go)',
    (y) =>
      stateOptions(y)
        .option('older-than', { type: 'number', demandOption: true, describe: 'age in whole days (at least 1)' })
        .example('$0 prune --older-than 365', 'keep a year of audit rows'),
    async (argv) => withState(argv, (db) => {
      if (!Number.isInteger(argv.olderThan) || argv.olderThan < 1) throw new UserError(`--older-than is "${argv.olderThan}"; it must be a whole number of days, at least 1, like 365`);
      const { removed, before } = pruneAudit(db, argv.olderThan);
      runLog.info('prune', `removed ${removed} audit rows from before ${before}`, { removed, before });
    }),
  )
  .command(
    'calendars',
    'list the calendars of both accounts: name, URL, what each holds, and the one the settings select (*)',
    (y) =>
      calendarOptions(y)
        .example('$0 calendars --config config.env', 'which calendars the two logins see, the configured ones marked')
        .example('$0 calendars --source https://cloud.example.org/remote.php/dav/ --source-username ana --target ./mirror', 'the calendars of one account (SOURCE_PASSWORD from the environment)'),
    async (argv) => {
      console.log(await listCalendars(argv as SyncFlags, warn));
    },
  )
  .command(
    'init',
    'write config.env by asking for the two calendars: lists the calendars on each server to pick from, tests the logins',
    (y) =>
      y
        .option('config', { type: 'string', describe: 'the file to write (config.env)' })
        .option('force', { type: 'boolean', describe: 'replace the file if it exists' })
        .example('$0 init', 'asks, then writes ./config.env (mode 0600)')
        .example('$0 init --config work.env --force', 'writes work.env, replacing it'),
    async (argv) => {
      process.exitCode = await initConfig(argv);
    },
  )
  .strict()
  .fail((message, error) => {
    if (error) throw error;
    const exitCode = detailedExitcode ? EXIT.partial : EXIT.config;
    runLog.error(`${message} (see --help)`, { exitCode });
    process.exit(exitCode);
  })
  .help()
  .version()
  .parseAsync()
  .catch((error: unknown) => {
    if (error instanceof UserError) {
      const exitCode = detailedExitcode ? EXIT.partial : error.exitCode;
      for (const line of error.message.split('\n')) runLog.error(line, { exitCode });
      process.exit(exitCode);
    }
    throw error;
  });
