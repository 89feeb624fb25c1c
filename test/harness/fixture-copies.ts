// What the CalDAV fixtures (test/fixtures/caldav) become on the target for the window
// 2026-10-01 .. 2026-11-01, written by hand from the fixtures and RFC 5545, in describeCopies' form.
// The stand-up is a Berlin series with an EXDATE and an override that crosses the end of summer
// time on Oct 25: 9:30 local throughout, 07:30Z before and 08:30Z after.

export const HOLIDAY_COPY = 'holiday@test | Company holiday | 20261015 | 20261017';

export const NY_CALL_COPY = 'ny-call@test | NY call | 20261020T090000[America/New_York] | 20261020T100000[America/New_York]';

export const STANDUP_COPIES = [
  'standup@test 20261005T073000Z | Stand-up | 20261005T093000[Europe/Berlin] | 20261005T094500[Europe/Berlin]',
  'standup@test 20261007T073000Z | Stand-up | 20261007T093000[Europe/Berlin] | 20261007T094500[Europe/Berlin]',
  'standup@test 20261012T073000Z | Stand-up | 20261012T093000[Europe/Berlin] | 20261012T094500[Europe/Berlin]',
  'standup@test 20261019T073000Z | Stand-up | 20261019T093000[Europe/Berlin] | 20261019T094500[Europe/Berlin]',
  'standup@test 20261021T073000Z | Stand-up (moved) | 20261022T150000[Europe/Berlin] | 20261022T153000[Europe/Berlin]',
  'standup@test 20261026T083000Z | Stand-up | 20261026T093000[Europe/Berlin] | 20261026T094500[Europe/Berlin]',
  'standup@test 20261028T083000Z | Stand-up | 20261028T093000[Europe/Berlin] | 20261028T094500[Europe/Berlin]',
];

/** foreign.ics, which no run may change. */
export const FOREIGN_OBJECT = "foreign:foreign@test | Someone else's event | 20261016T120000Z | 20261016T130000Z";

/**
 * Everything the source fixtures (standup, holiday, review, ny-call, later, task) give: later.ics is
 * outside the window and task.ics is a VTODO, so neither has a copy.
 */
export const FIRST_SYNC_COPIES = [
  HOLIDAY_COPY,
  NY_CALL_COPY,
  'review@test 20261027T160000Z | Daily review | 20261027T160000Z | DURATION PT1H',
  'review@test 20261028T160000Z | Daily review | 20261028T160000Z | DURATION PT1H',
  'review@test 20261030T160000Z | Daily review | 20261030T160000Z | DURATION PT1H',
  'review@test 20261031T160000Z | Daily review | 20261031T160000Z | DURATION PT1H',
  ...STANDUP_COPIES,
];
