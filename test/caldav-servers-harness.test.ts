import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, SERVER_KINDS, type CaldavServer } from './harness/caldav-servers.ts';

function vevent(uid: string, summary: string, day: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//caldav-instance-sync//harness test//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20240101T000000Z',
    `DTSTART:${day}T090000Z`,
    `DTEND:${day}T100000Z`,
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

for (const kind of SERVER_KINDS) {
  describe(`caldav harness: ${kind}`, () => {
    let server: CaldavServer;
    before(async () => { server = await startServer(kind); });
    after(async () => { await server?.stop(); });

    test('create calendar, put, list, delete', async () => {
      assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.ok(server.homeUrl.startsWith(server.baseUrl) && server.homeUrl.endsWith('/'));

      const cal = await server.createCalendar('work', 'Work');
      assert.ok(cal.startsWith(server.homeUrl) && cal.endsWith('/'), cal);

      await server.putObject(cal, 'a.ics', vevent('harness-a@example.com', 'A', '20240102'));
      await server.putObject(cal, 'b.ics', vevent('harness-b@example.com', 'B', '20240103'));

      const two = await server.listObjects(cal);
      assert.equal(two.length, 2);
      assert.ok(two[0].href.endsWith('/a.ics'), two[0].href);
      assert.ok(two[1].href.endsWith('/b.ics'), two[1].href);
      assert.match(two[0].data, /UID:harness-a@example\.com/);
      assert.match(two[1].data, /UID:harness-b@example\.com/);

      await server.deleteObject(cal, 'a.ics');
      const one = await server.listObjects(cal);
      assert.equal(one.length, 1);
      assert.ok(one[0].href.endsWith('/b.ics'), one[0].href);
      assert.match(one[0].data, /UID:harness-b@example\.com/);
    });
  });
}
