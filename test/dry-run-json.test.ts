// `--dry-run --json` prints the plan as JSON and nothing else on stdout; `--detailed-exitcode` says
// 0 for nothing to write, 2 for something written or pending, 1 for any failure. Folder target.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runCli } from './harness/run-cli.ts';

const example = fileURLToPath(new URL('../examples/team-calendar.ics', import.meta.url));
const DECEMBER = ['--from', '2026-12-01', '--to', '2027-01-01'];
/** examples/team-calendar.ics has 16 occurrences in December 2026 (see cli-folder-sync.test.ts). */
const DECEMBER_OCCURRENCES = 16;

let work: string;
const sync = (...extra: string[]) => runCli(['--source', example, '--target', join(work, 'mirror'), '--db', join(work, 'sync.db'), ...DECEMBER, ...extra]);

before(() => {
  work = mkdtempSync(join(tmpdir(), 'calsync-json-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the plan as JSON: every action with its occurrence, href and reason; stdout holds nothing else; exit 2 for pending writes', async () => {
  const run = await sync('--dry-run', '--json', '--detailed-exitcode');
  assert.equal(run.code, 2, run.stderr);
  const plan = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(plan), ['pair', 'window', 'counts', 'guard', 'actions']);
  assert.match(plan.pair, /^[0-9a-f]{12}$/);
  assert.deepEqual(plan.window, { start: '2026-12-01T00:00:00Z', end: '2027-01-01T00:00:00Z' });
  assert.deepEqual(plan.counts, { created: DECEMBER_OCCURRENCES, updated: 0, deleted: 0, unchanged: 0, retired: 0, skipped: 0, failed: 0, conflicts: 0, propagated: 0, keptDeleted: 0 });
  assert.equal(plan.guard, null);
  assert.equal(plan.actions.length, DECEMBER_OCCURRENCES);
  const holiday = plan.actions.find((a: { sourceUid: string }) => a.sourceUid === 'office-closed@example.org');
  assert.deepEqual(Object.keys(holiday), ['action', 'sourceUid', 'recurrenceId', 'targetHref', 'reason']);
  assert.equal(holiday.action, 'create');
  assert.equal(holiday.recurrenceId, '');
  assert.match(holiday.targetHref, /^calsync-[0-9a-f]{32}\.ics$/);
  assert.equal(holiday.reason, 'new occurrence in the source');
  assert.deepEqual(readdirSync(work), [], 'a dry run writes nothing, not even the state file');
});

test('--detailed-exitcode: 2 after a run that wrote, 0 when there was nothing to do, 1 on a failure of any kind', async () => {
  const source = join(work, 'calendar.ics');
  const mirror = join(work, 'mirror-2');
  copyFileSync(example, source);
  const run = (...extra: string[]) => runCli(['--source', source, '--target', mirror, '--db', join(work, 'second.db'), ...DECEMBER, ...extra]);
  assert.equal((await run('--detailed-exitcode')).code, 2);
  const quiet = await run('--detailed-exitcode');
  assert.equal(quiet.code, 0, quiet.stderr);
  const dryQuiet = await run('--dry-run', '--json', '--detailed-exitcode');
  assert.equal(dryQuiet.code, 0);
  assert.deepEqual(JSON.parse(dryQuiet.stdout).actions, []);
  unlinkSync(join(mirror, readdirSync(mirror)[0]));
  assert.equal((await run('--dry-run', '--detailed-exitcode')).code, 2, 'a copy to recreate is a pending write');

  // The source loses every event: the deletion guard stops the run, code 6 without the flag and 1 with it.
  writeFileSync(source, 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n');
  assert.equal((await run()).code, 6);
  const guarded = await run('--detailed-exitcode');
  assert.equal(guarded.code, 1);
  // One of the 16 copies was deleted on the target above: 15 are left, and all would go.
  assert.match(guarded.stderr, /^error: this run would delete 15 of the pair's 15 copies \(100%, all of them\); nothing was written\./m);
  const missing = await runCli(['--source', join(work, 'missing.ics'), '--target', mirror, '--detailed-exitcode']);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /^error: the source \S+missing\.ics is neither an http\(s\) URL nor an existing \.ics file; check SOURCE_URL$/m);
  const badFlag = await run('--detailed-exitcode', '--no-such-flag');
  assert.equal(badFlag.code, 1, badFlag.stderr);
});
