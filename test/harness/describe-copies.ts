// A compact, server-independent description of calendar objects, for exact assertions.
// Servers re-serialise what they store (property order, quoting), so bytes are never compared.
import ICAL from 'ical.js';

function timeOf(vevent: ICAL.Component, name: string): string {
  const property = vevent.getFirstProperty(name);
  if (!property) return '-';
  const tzid = property.getParameter('tzid');
  const value = (property.getFirstValue() as ICAL.Time).toICALString();
  return tzid ? `${value}[${tzid}]` : value;
}

/**
 * One line per VEVENT: "source-uid recurrence-id | SUMMARY | DTSTART | DTEND-or-DURATION",
 * markers read from the X-CALSYNC-* properties; foreign objects show their own UID. Sorted.
 */
export function describeCopies(objects: Array<{ data: string }>): string[] {
  const lines: string[] = [];
  for (const { data } of objects) {
    const calendar = new ICAL.Component(ICAL.parse(data) as unknown[]);
    for (const vevent of calendar.getAllSubcomponents('vevent')) {
      const source = vevent.getFirstPropertyValue('x-calsync-source-uid') ?? `foreign:${vevent.getFirstPropertyValue('uid')}`;
      const recurrenceId = vevent.getFirstPropertyValue('x-calsync-recurrence-id') ?? '';
      const end = vevent.hasProperty('duration') ? `DURATION ${vevent.getFirstPropertyValue('duration')}` : timeOf(vevent, 'dtend');
      lines.push(`${source} ${recurrenceId}`.trim() + ` | ${vevent.getFirstPropertyValue('summary')} | ${timeOf(vevent, 'dtstart')} | ${end}`);
    }
  }
  return lines.sort();
}
