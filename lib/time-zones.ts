// Every TZID an object uses must be known to ical.js before its times are read: an unknown TZID
// silently becomes floating time, which would put the meeting at the wrong hour.
import ICAL from 'ical.js';
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library';
import { findIana } from 'windows-iana';

/** The properties that hold times, and so may carry a TZID. */
export const TIME_PROPERTIES = ['dtstart', 'dtend', 'due', 'recurrence-id', 'exdate', 'rdate'];

/** The TZIDs referenced by the time properties of these components. */
export function tzidsUsedBy(components: ICAL.Component[]): Set<string> {
  const tzids = new Set<string>();
  for (const component of components) {
    for (const name of TIME_PROPERTIES) {
      for (const property of component.getAllProperties(name)) {
        const tzid = property.getParameter('tzid');
        if (typeof tzid === 'string' && tzid !== '') tzids.add(tzid);
      }
    }
  }
  return tzids;
}

/** A VTIMEZONE with a fixed offset of zero, for a TZID nobody can resolve (documented fallback). */
function utcStandIn(tzid: string): ICAL.Component {
  const vtimezone = new ICAL.Component('vtimezone');
  vtimezone.addPropertyWithValue('tzid', tzid);
  const standard = new ICAL.Component('standard');
  standard.addPropertyWithValue('dtstart', ICAL.Time.fromDateTimeString('1970-01-01T00:00:00'));
  standard.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString('+00:00'));
  standard.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString('+00:00'));
  vtimezone.addSubcomponent(standard);
  return vtimezone;
}

const knownZones = new Set<string>(tzlib_get_timezones());

const libraryZones = new Map<string, ICAL.Component | null>();

function fromLibrary(tzid: string): ICAL.Component | null {
  if (!knownZones.has(tzid)) return null; // asking for an unknown zone makes the library print an error
  if (!libraryZones.has(tzid)) {
    const block = tzlib_get_ical_block(tzid);
    const text = Array.isArray(block) && typeof block[0] === 'string' && block[0].startsWith('BEGIN:VTIMEZONE') ? block[0] : null;
    libraryZones.set(tzid, text === null ? null : new ICAL.Component(ICAL.parse(text) as unknown[]));
  }
  return libraryZones.get(tzid)!;
}

/**
 * One ical.js zone per distinct VTIMEZONE: thousands of objects carry the same definition, and
 * expanding its transitions once (here and in zone-math) instead of per object is most of the cost.
 */
const builtZones = new Map<string, { vtimezone: ICAL.Component; zone: ICAL.Timezone }>();

function zoneFor(tzid: string, vtimezone: ICAL.Component): { vtimezone: ICAL.Component; zone: ICAL.Timezone } {
  const key = `${tzid}\n${vtimezone.toString()}`;
  let built = builtZones.get(key);
  if (!built) {
    built = { vtimezone, zone: new ICAL.Timezone({ component: vtimezone, tzid }) };
    builtZones.set(key, built);
  }
  return built;
}

/** Exchange writes Windows zone names ("W. Europe Standard Time"); CLDR maps them to IANA. */
function ianaForWindowsName(tzid: string): string | null {
  const [primary] = findIana(tzid);
  return primary && knownZones.has(primary) ? primary : null;
}

/** Points every time property using `from` at the zone `to`. */
function renameTzid(events: ICAL.Component[], from: string, to: string): void {
  for (const component of events) {
    for (const name of TIME_PROPERTIES) {
      for (const property of component.getAllProperties(name)) {
        if (property.getParameter('tzid') === from) property.setParameter('tzid', to);
      }
    }
  }
}

/**
 * Makes every TZID used by `events` known to ical.js: the object's own VTIMEZONE first, then the
 * IANA zone of that name, then the IANA zone of a Windows name (the events are rewritten to use
 * the IANA name). Returns the VTIMEZONE chosen for each TZID and the TZIDs that could not be
 * resolved (registered as UTC so that nothing is read as floating time).
 */
export function registerTimezones(
  embedded: ICAL.Component[],
  events: ICAL.Component[],
): { zones: Map<string, ICAL.Component>; unresolved: string[] } {
  ICAL.TimezoneService.reset();
  const zones = new Map<string, ICAL.Component>();
  for (const vtimezone of embedded) {
    const tzid = vtimezone.getFirstPropertyValue('tzid');
    if (typeof tzid === 'string') zones.set(tzid, vtimezone);
  }
  const unresolved: string[] = [];
  for (const tzid of tzidsUsedBy(events)) {
    if (zones.has(tzid)) continue;
    const iana = knownZones.has(tzid) ? tzid : ianaForWindowsName(tzid);
    const known = iana === null ? null : (zones.get(iana) ?? fromLibrary(iana));
    if (iana === null || known === null) {
      unresolved.push(tzid);
      zones.set(tzid, utcStandIn(tzid));
      continue;
    }
    if (iana !== tzid) renameTzid(events, tzid, iana);
    zones.set(iana, known);
  }
  for (const [tzid, vtimezone] of zones) {
    const built = zoneFor(tzid, vtimezone);
    ICAL.TimezoneService.register(built.zone, tzid);
    zones.set(tzid, built.vtimezone);
  }
  return { zones, unresolved };
}
