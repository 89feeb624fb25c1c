// Kerio names its objects `.eml`, not `.ics`: emulated by the fault proxy in front of real Radicale
// and Xandikos (objects listed with .eml hrefs, and a .eml href asked for is the object). A first
// sync, a change and a deletion in the source, and a run with nothing to do all end exactly right,
// the source read by its .eml hrefs and a foreign .eml object on the target left alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SERVER_KINDS } from './harness/caldav-servers.ts';
import { FOREIGN_OBJECT } from './harness/fixture-copies.ts';
import { CHANGED_COPIES, FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

for (const kind of SERVER_KINDS) {
  describe(`.eml hrefs on ${kind}`, () => {
    const { server, startPair } = proxiedPairs(kind);

    test('a first sync, a change and a deletion in the source, and a quiet run: exact target, every write once', async () => {
      const pair = await startPair('eml');
      try {
        await server().putObject(new URL(pair.targetPath, server().baseUrl).href, 'foreign.ics', readFileSync(new URL('./fixtures/caldav/foreign.ics', import.meta.url), 'utf8'));
        pair.proxy.emlHrefs = true;
        const first = await pair.sync();
        assert.equal(first.run.code, 0, first.run.stdout + first.run.stderr);
        assert.deepEqual(summaryCounts(first.run.stdout), runCounts({ created: 9 }), first.run.stdout);
        assert.equal(first.seen['PUT create'], 9);
        assert.deepEqual(await pair.target(), [...FIRST_COPIES, FOREIGN_OBJECT].sort());
        const db = new Database(pair.db, { readonly: true });
        const sourceHrefs = db.prepare('SELECT DISTINCT source_href FROM mappings ORDER BY 1').pluck().all();
        db.close();
        assert.deepEqual(sourceHrefs, ['holiday', 'ny-call', 'standup'].map((name) => `${pair.sourcePath}${name}.eml`));

        await pair.changeSource();
        const second = await pair.sync();
        assert.equal(second.run.code, 0, second.run.stdout + second.run.stderr);
        assert.deepEqual(summaryCounts(second.run.stdout), runCounts({ updated: 1, deleted: 1, unchanged: 7 }), second.run.stdout);
        assert.deepEqual([second.seen['PUT if-match'], second.seen['DELETE if-match']], [1, 1]);
        assert.deepEqual(await pair.target(), [...CHANGED_COPIES, FOREIGN_OBJECT].sort());

        await pair.runsQuiet();
      } finally {
        await pair.close();
      }
    });
  });
}
