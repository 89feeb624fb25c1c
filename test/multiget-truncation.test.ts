// A calendar-multiget answered with fewer objects than asked for, and nothing said of the rest (Zoho
// stops at 1,000), emulated by the fault proxy in front of real Radicale: the rest is asked again in
// smaller chunks, what no multiget gives is read by GET, an object gone (404) is left out, and a
// server that keeps objects back ends the run with one line and exit 5, never a partial calendar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_NETWORK_POLICY } from '../lib/retry-policy.ts';
import { createHttp, newRequestStats } from '../lib/http.ts';
import { CaldavCalendar } from '../lib/endpoints/caldav-calendar.ts';
import { FIRST_COPIES, proxiedPairs, runCounts } from './harness/proxied-pair.ts';
import { summaryCounts } from './harness/run-cli.ts';

const { server, startPair } = proxiedPairs('radicale');

test('a multiget answered one object at a time: the rest asked again until all are read, exact target', async () => {
  const pair = await startPair('capped');
  try {
    pair.proxy.multigetLimit = 1;
    const { run, seen } = await pair.sync();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(summaryCounts(run.stdout), runCounts({ created: 9 }), run.stdout);
    // The source's 3 objects: asked for all 3 (1 answered), then the other 2 one by one.
    assert.equal(seen['REPORT calendar-multiget'], 3);
    assert.equal(seen.GET, undefined);
    assert.deepEqual(await pair.target(), FIRST_COPIES);
  } finally {
    await pair.close();
  }
});

test('multigets that answer nothing: each object read by GET, exact target', async () => {
  const pair = await startPair('empty');
  try {
    pair.proxy.multigetLimit = 0;
    const { run, seen } = await pair.sync();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(summaryCounts(run.stdout), runCounts({ created: 9 }), run.stdout);
    assert.deepEqual([seen['REPORT calendar-multiget'], seen.GET], [1, 3]);
    assert.deepEqual(await pair.target(), FIRST_COPIES);
  } finally {
    await pair.close();
  }
});

test('an object no multiget gives and a GET refuses: one line, exit 5, nothing written', async () => {
  const pair = await startPair('refused');
  try {
    pair.proxy.multigetLimit = 0;
    pair.proxy.rules = [{ kind: 'GET', fault: { kind: 'answer', status: 403 } }];
    const { run, seen } = await pair.sync();
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^error: the source server left ${pair.sourcePath}\\S+\\.ics out of its calendar-multiget answers and answered HTTP 403 to a GET of it; a partial answer is never taken for the calendar\\n$`));
    assert.equal(seen.GET, 1);
    assert.equal(seen['PUT create'], undefined);
    assert.deepEqual(await pair.target(), []);
  } finally {
    await pair.close();
  }
});

test('more objects kept back than are read one by one (20): one line, exit 5, no GET, nothing written', async () => {
  const pair = await startPair('many');
  try {
    const sourceUrl = new URL(pair.sourcePath, server().baseUrl).href;
    for (let i = 1; i <= 18; i++) {
      await server().putObject(sourceUrl, `extra-${i}.ics`, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//multiget//EN', 'BEGIN:VEVENT', `UID:extra-${i}@test`, 'DTSTAMP:20260901T000000Z', 'DTSTART:20261002T100000Z', 'SUMMARY:Extra', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    }
    pair.proxy.multigetLimit = 0;
    const { run, seen } = await pair.sync();
    assert.equal(run.code, 5, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`^error: the source server left 21 of 21 objects out of its calendar-multiget answers, also when asked again \\(first: ${pair.sourcePath}\\S+\\.ics\\); more than 20 to read one by one, and a partial answer is never taken for the calendar\\n$`));
    assert.deepEqual([seen['REPORT calendar-multiget'], seen.GET, seen['PUT create']], [1, undefined, undefined]);
    assert.deepEqual(await pair.target(), []);
  } finally {
    await pair.close();
  }
});

test('an object that is gone (404 to its GET) is left out; the others are read', async () => {
  const pair = await startPair('gone');
  try {
    pair.proxy.multigetLimit = 0;
    const http = createHttp(pair.proxy.url, { username: server().username, password: server().password, network: DEFAULT_NETWORK_POLICY }, newRequestStats(), 'source');
    const calendar = await CaldavCalendar.connect({ side: 'source', url: new URL(pair.sourcePath, pair.proxy.url).href, username: server().username }, http);
    const holiday = `${pair.sourcePath}holiday.ics`;
    pair.proxy.reset();
    const objects = await calendar.fetchObjects([holiday, `${pair.sourcePath}never-there.ics`]);
    assert.deepEqual(objects.map((o) => [o.href, /UID:(\S+)/.exec(o.data)?.[1]]), [[holiday, 'holiday@test']]);
    assert.deepEqual(pair.proxy.counts(), { 'REPORT calendar-multiget': 1, GET: 2 });
  } finally {
    await pair.close();
  }
});
