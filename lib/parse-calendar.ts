// iCalendar text to components, one bad event at a time: ical.js rejects a whole text for one
// invalid value (an RRULE with FREQ=SOMETIMES), so a text that fails is parsed again block by block.
import ICAL from 'ical.js';

export interface ParsedCalendar {
  /** The VCALENDARs of the text: several, when a server or file puts several in one object. */
  calendars: ICAL.Component[];
  /** VEVENTs that could not be parsed, with their text and their UID where one could be read. */
  broken: Array<{ uid?: string; reason: string; text: string }>;
}

function parseWhole(text: string): ICAL.Component[] {
  const parsed = ICAL.parse(text) as unknown[];
  if (parsed.length === 0) return [];
  const list = Array.isArray(parsed[0]) ? (parsed as unknown[][]) : [parsed];
  return list.map((jcal) => new ICAL.Component(jcal)).filter((component) => component.name === 'vcalendar');
}

/** The top-level VTIMEZONE and VEVENT blocks of each VCALENDAR, as text. */
function componentBlocks(text: string): Array<{ name: string; text: string }> {
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
  const text = data.replace(/^\uFEFF/, '');
  try {
    const calendars = parseWhole(text);
    if (calendars.length === 0) throw new Error('it holds no VCALENDAR');
    return { calendars, broken: [] };
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
          broken.push({ uid: /^UID:(.+)$/im.exec(block.text)?.[1]?.trim(), reason: `cannot be parsed: ${(blockError as Error).message}`, text: block.text });
        }
      }
    }
    return { calendars: [calendar], broken };
  }
}
