// repair against real Radicale and Xandikos: after a lost sync.db, a copy deleted on the target and
// an event gone from the source meanwhile, repair rebuilds the state from the copies without a
// single duplicate or rewrite, recreates the missing copy, and deletes the orphan only when asked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVER_KINDS, startServer, type CaldavServer } from './harness/caldav-servers.ts';
import { describeCopies } from './harness/describe-copies.ts';
import { FOREIGN_OBJECT, HOLIDAY_COPY, STANDUP_COPIES } from './harness/fixture-copies.ts';
import { runOnCalendars, summaryCounts, summaryRequests } from './harness/run-cli.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/caldav/${name}`, import.meta.url), 'utf8');

for (const kind of SERVER_KINDS) {
  describe(`repair on ${kind}`, () => {
    let server: CaldavServer;
    let work: string;
    let sourceUrl: string;
    let targetUrl: string;
    const cli = (command: string[], ...extra: string[]) => runOnCalendars({ server, source: sourceUrl, target: targetUrl, db: join(work, 'sync.db') }, [...command, ...extra]);
    const copies = async () => describeCopies(await server.listObjects(targetUrl));

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'calsync-repair-'));
      server = await startServer(kind);
      sourceUrl = await server.createCalendar('work', 'Work');
      targetUrl = await server.createCalendar('mirror', 'Mirror');
      await server.putObject(sourceUrl, 'standup.ics', fixture('standup.ics'));
      await server.putObject(sourceUrl, 'holiday.ics', fixture('holiday.ics'));
      await server.putObject(targetUrl, 'foreign.ics', fixture('foreign.ics'));
      assert.equal((await cli([])).code, 0);
      assert.deepEqual(await copies(), [HOLIDAY_COPY, ...STANDUP_COPIES, FOREIGN_OBJECT].sort());
      // Then the state is lost, a copy is deleted on the target, and the holiday leaves the source.
      rmSync(join(work, 'sync.db'));
      const standup = (await server.listObjects(targetUrl)).find((o) => describeCopies([o])[0] === STANDUP_COPIES[3])!;
      await server.deleteObject(targetUrl, standup.href.split('/').pop()!);
      await server.deleteObject(sourceUrl, 'holiday.ics');
    });
    after(async () => {
      await server?.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('repair --dry-run shows the plan and writes nothing', async () => {
      const before = await server.listObjects(targetUrl);
      const run = await cli(['repair'], '--dry-run');
      assert.equal(run.code, 1, run.stdout + run.stderr);
      const kinds = run.stdout.trim().split('\n').slice(0, -1).map((line) => line.split(' ')[2]);
      assert.deepEqual(kinds.sort(), ['create', 'relink', 'relink', 'relink', 'relink', 'relink', 'relink', 'skip']);
      assert.match(run.stdout, /would skip +holiday@test -> \S+ \(a copy of this pair that the state does not know \(orphan\); left alone\)/);
      assert.deepEqual(await server.listObjects(targetUrl), before);
    });

    test('repair rebuilds the state from the copies without a write, recreates the missing copy, and leaves the orphan', async () => {
      const run = await cli(['repair']);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 1, updated: 0, deleted: 0, unchanged: 6, retired: 0, skipped: 1, failed: 0 });
      // Full listings of both sides, the one PUT, the closing change check.
      assert.equal(summaryRequests(run.stdout).PUT, 1);
      assert.equal(summaryRequests(run.stdout).DELETE, undefined);
      assert.deepEqual(await copies(), [HOLIDAY_COPY, ...STANDUP_COPIES, FOREIGN_OBJECT].sort());
    });

    test('repair --delete-orphans deletes the copy nothing accounts for; the next sync plans nothing', async () => {
      const run = await cli(['repair'], '--delete-orphans');
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(summaryCounts(run.stdout), { created: 0, updated: 0, deleted: 1, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(await copies(), [...STANDUP_COPIES, FOREIGN_OBJECT].sort());
      const next = await cli([]);
      assert.equal(next.code, 0, next.stdout + next.stderr);
      assert.deepEqual(summaryCounts(next.stdout), { created: 0, updated: 0, deleted: 0, unchanged: 7, retired: 0, skipped: 0, failed: 0 });
      assert.deepEqual(Object.keys(summaryRequests(next.stdout)), ['REPORT']);
    });
  });
}
