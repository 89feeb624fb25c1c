// iCalendar text to components, one bad event at a time: ical.js rejects a whole text for one
// invalid value (an RRULE with FREQ=SOMETIMES), so a text that fails is parsed again block by block.
import ICAL from 'ical.js';

export interface ParsedCalendar {
  /** The VCALENDARs of the text: several, when a server or file puts several in one object. */
  calendars: ICAL.Component[];
  /** VEVENTs that cannot be read or expanded as written, with their text and their UID where one could be read. */
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

/**
 * RRULE parts that ical.js reads as something else: INTERVAL=0 or below becomes 1, COUNT=0 an
 * endless series. Neither has a meaning (RFC 5545 3.3.10), so the event is reported, not guessed at.
 */
function ruleFaults(text: string): ParsedCalendar['broken'] {
  const faults: ParsedCalendar['broken'] = [];
  for (const block of text.split(/(?=^BEGIN:VEVENT)/im)) {
    if (!/^BEGIN:VEVENT/i.test(block)) continue;
    const rule = /^RRULE[;:](.*)$/im.exec(block)?.[1] ?? '';
    const part = /(?:^|[;:])(INTERVAL|COUNT)=([-+]?\d+)/gi;
    for (let match = part.exec(rule); match; match = part.exec(rule)) {
      if (Number(match[2]) >= 1) continue;
      faults.push({ uid: uidInText(block), reason: `its RRULE has ${match[1].toUpperCase()}=${match[2]}; it must be 1 or more`, text: block });
      break;
    }
  }
  return faults;
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

/** Components nest three deep (VCALENDAR, VEVENT, VALARM); far deeper text is hostile, and ical.js overflows its stack on it. */
const MAX_NESTING = 12;

/** Components that only ever stand directly in a VCALENDAR: one beginning inside another means the other lost its END. */
const TOP_LEVEL = new Set(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY', 'VTIMEZONE', 'VAVAILABILITY']);

/** A component of a VCALENDAR, as unfolded text; `problem` says why it cannot be read when its BEGIN/END lines are broken. */
export interface ComponentBlock {
  name: string;
  text: string;
  problem?: string;
}

/** How a text is laid out in components, read line by line whatever damage it has. */
export interface CalendarLayout {
  blocks: ComponentBlock[];
  /** Text outside every VCALENDAR, one entry per stretch, with the (folded) line it starts on. */
  stray: Array<{ line: number; text: string }>;
  /** How many BEGIN:VCALENDAR lines there are. */
  calendars: number;
  /** A VCALENDAR is left without END:VCALENDAR: the text may be cut short. */
  unterminated: boolean;
}

const BEGIN = /^BEGIN:([A-Z0-9-]+)[ \t]*$/i;
const END = /^END:([A-Z0-9-]+)[ \t]*$/i;

/** Unfolded lines, each with the number of the line it starts on; a BOM where files were joined is dropped. */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const lines: Array<{ line: number; text: string }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const last = lines.at(-1);
    if (last && (raw.startsWith(' ') || raw.startsWith('\t'))) last.text += raw.slice(1);
    else lines.push({ line: index + 1, text: raw.replace(/^\uFEFF/, '') });
  });
  return lines;
}

/**
 * The components of every VCALENDAR in a text. A missing END line closes the component at the next
 * line that cannot be inside it (a BEGIN:VEVENT in a VEVENT, an END of its parent), so that one
 * damaged event never swallows the events after it; the damaged one carries its problem.
 */
export function calendarLayout(text: string): CalendarLayout {
  const layout: CalendarLayout = { blocks: [], stray: [], calendars: 0, unterminated: false };
  const open: string[] = [];
  let current: { name: string; lines: string[]; problem?: string } | null = null;
  let stray: { line: number; lines: string[] } | null = null;
  const closeBlock = (problem?: string) => {
    if (!current) return;
    layout.blocks.push({ name: current.name, text: current.lines.join('\r\n'), problem: current.problem ?? problem });
    current = null;
  };
  const closeStray = () => {
    if (stray) layout.stray.push({ line: stray.line, text: stray.lines.join('\r\n').trimEnd() });
    stray = null;
  };
  for (const { line, text: content } of logicalLines(text)) {
    const begin = BEGIN.exec(content)?.[1]?.toUpperCase();
    const end = END.exec(content)?.[1]?.toUpperCase();
    if (begin === 'VCALENDAR' || (begin && open.length > 1 && TOP_LEVEL.has(begin))) {
      if (open.length > 1) closeBlock(`has no END:${open.at(-1)} (its text is cut short or a line is lost)`);
      if (begin === 'VCALENDAR') {
        layout.calendars++;
        if (open.length > 0) layout.unterminated = true;
        open.length = 0;
      } else open.length = 1;
    }
    if (open.length === 0 && begin !== 'VCALENDAR') {
      if (content.trim() !== '' || stray) (stray ??= { line, lines: [] }).lines.push(content);
      continue;
    }
    closeStray();
    if (begin) {
      open.push(begin);
      if (open.length === 2) current = { name: begin, lines: [] };
      if (open.length > MAX_NESTING && current) current.problem ??= `has components nested more than ${MAX_NESTING} deep`;
      current?.lines.push(content);
    } else if (end) {
      const at = open.lastIndexOf(end);
      current?.lines.push(content);
      if (at < 0) {
        if (current) current.problem ??= `has END:${end} without BEGIN:${end}`;
        continue;
      }
      if (at < open.length - 1 && current) current.problem ??= `has no END:${open.at(-1)} (its text is cut short or a line is lost)`;
      open.length = at;
      if (open.length <= 1) closeBlock();
    } else current?.lines.push(content);
  }
  closeStray();
  if (open.length > 1) closeBlock(`has no END:${open.at(-1)} (its text is cut short or a line is lost)`);
  if (open.length > 0) layout.unterminated = true;
  return layout;
}

/** An error of ical.js as one short line: it quotes whole lines, which may be megabytes of hostile text. */
function oneLine(message: string): string {
  const flat = message.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}

export function parseCalendar(data: string): ParsedCalendar {
  const { text, repairs } = repairUntilSeconds(data.replace(/^\uFEFF/, '').replace(/\r?\n[ \t]/g, ''));
  const layout = calendarLayout(text);
  const faults = ruleFaults(text);
  if (layout.calendars === 0) throw new Error('it has no BEGIN:VCALENDAR line');
  if (layout.unterminated) throw new Error('it has no END:VCALENDAR (its text is cut short or a line is lost)');
  if (!layout.blocks.some((block) => block.problem)) {
    try {
      const calendars = parseWhole(text);
      if (calendars.length === 0) throw new Error('it holds no VCALENDAR');
      return { calendars, broken: faults, repairs };
    } catch (error) {
      if (!layout.blocks.some((block) => block.name === 'VEVENT')) throw new Error(oneLine((error as Error).message));
    }
  }
  const calendar = new ICAL.Component('vcalendar');
  const broken: ParsedCalendar['broken'] = [...faults];
  for (const block of layout.blocks) {
    if (block.name !== 'VEVENT' && block.name !== 'VTIMEZONE') continue;
    try {
      if (block.problem) throw new Error(block.problem);
      const [wrapper] = parseWhole(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${block.text}\r\nEND:VCALENDAR\r\n`);
      for (const component of wrapper.getAllSubcomponents()) calendar.addSubcomponent(component);
    } catch (blockError) {
      if (block.name !== 'VEVENT') continue;
      const reason = block.problem ?? `cannot be parsed: ${oneLine((blockError as Error).message)}`;
      const uid = uidInText(block.text);
      if (!faults.some((fault) => fault.uid === uid)) broken.push({ uid, reason, text: block.text });
    }
  }
  return { calendars: [calendar], broken, repairs };
}
