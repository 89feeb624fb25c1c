// iCalendar text to components, one bad event at a time: ical.js rejects a whole text for one
// invalid value (an RRULE with FREQ=SOMETIMES), so a text that fails is parsed again block by block.
import ICAL from 'ical.js';

export interface ParsedCalendar {
  /** The VCALENDARs of the text: several, when a server or file puts several in one object. */
  calendars: ICAL.Component[];
  /** VEVENTs that could not be parsed, with their text and their UID where one could be read. */
  broken: Array<{ uid?: string; reason: string; text: string }>;
  /** What was mended before parsing, by the UID of the event it was in. */
  repairs: Array<{ uid?: string; message: string }>;
}

/**
 * Some producers write UNTIL with seconds 60-99 (T235999Z), which ical.js reads as the next day:
 * such seconds are read as 59, the last second of that minute, and reported.
 */
function repairUntilSeconds(text: string): { text: string; repairs: ParsedCalendar['repairs'] } {
  const repairs: ParsedCalendar['repairs'] = [];
  const blocks = text.split(/(?=^BEGIN:VEVENT)/im);
  const mended = blocks.map((block) => {
    const uid = uidInText(block);
    return block.replace(/^((?:RRULE|EXRULE)[:;].*UNTIL=\d{8}T\d{4})([6-9]\d)/gim, (_all, head: string, seconds: string) => {
      repairs.push({ uid, message: `its RRULE has UNTIL with ${seconds} seconds; read as second 59 of that minute` });
      return `${head}59`;
    });
  });
  return { text: mended.join(''), repairs };
}

/** The UID of an event, read from its text (for events ical.js cannot parse). */
export function uidInText(text: string): string | undefined {
  return /^UID(?:;[^:\r\n]*)?:(.+)$/im.exec(text)?.[1]?.trim() || undefined;
}

function parseWhole(text: string): ICAL.Component[] {
  const parsed = ICAL.parse(text) as unknown[];
  if (parsed.length === 0) return [];
  const list = Array.isArray(parsed[0]) ? (parsed as unknown[][]) : [parsed];
  return list.map((jcal) => new ICAL.Component(jcal)).filter((component) => component.name === 'vcalendar');
}

/** The components inside each VCALENDAR (VEVENT, VTIMEZONE, ...), as unfolded text. */
export function componentBlocks(text: string): Array<{ name: string; text: string }> {
  const lines = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const blocks: Array<{ name: string; text: string }> = [];
  let depth = 0;
  let current: { name: string; lines: string[] } | null = null;
  for (const line of lines) {
    const begin = /^BEGIN:(\S+)/i.exec(line)?.[1]?.toUpperCase();
    const end = /^END:(\S+)/i.exec(line)?.[1]?.toUpperCase();
    if (begin) depth++;
    if (depth === 2 && begin && !current) current = { name: begin, lines: [] };
    current?.lines.push(line);
    if (end) {
      depth--;
      if (depth === 1 && current) {
        blocks.push({ name: current.name, text: current.lines.join('\r\n') });
        current = null;
      }
    }
  }
  return blocks;
}

export function parseCalendar(data: string): ParsedCalendar {
  const { text, repairs } = repairUntilSeconds(data.replace(/^\uFEFF/, '').replace(/\r?\n[ \t]/g, ''));
  try {
    const calendars = parseWhole(text);
    if (calendars.length === 0) throw new Error('it holds no VCALENDAR');
    return { calendars, broken: [], repairs };
  } catch (error) {
    const blocks = componentBlocks(text);
    if (!blocks.some((block) => block.name === 'VEVENT')) throw error;
    const calendar = new ICAL.Component('vcalendar');
    const broken: ParsedCalendar['broken'] = [];
    for (const block of blocks) {
      if (block.name !== 'VEVENT' && block.name !== 'VTIMEZONE') continue;
      try {
        const [wrapper] = parseWhole(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${block.text}\r\nEND:VCALENDAR\r\n`);
        for (const component of wrapper.getAllSubcomponents()) calendar.addSubcomponent(component);
      } catch (blockError) {
        if (block.name === 'VEVENT') {
          broken.push({ uid: uidInText(block.text), reason: `cannot be parsed: ${(blockError as Error).message}`, text: block.text });
        }
      }
    }
    return { calendars: [calendar], broken, repairs };
  }
}
