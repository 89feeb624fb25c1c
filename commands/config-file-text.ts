// config.env as init writes it: config.env.example, comments and all, with the answers put in.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { UserError } from '../lib/errors.ts';

const EXAMPLE = new URL('../config.env.example', import.meta.url);

/**
 * `value` spelled so that the sync's parser (node:util parseEnv) reads it back unchanged: bare when
 * it can be, else in the first quotes that survive. A password may hold #, spaces and quotes.
 */
export function envValue(key: string, value: string): string {
  const spellings = [value, `'${value}'`, `\`${value}\``, `"${value}"`];
  const spelling = spellings.find((candidate) => parseEnv(`${key}=${candidate}`)[key] === value);
  if (spelling === undefined) throw new UserError(`the value of ${key} cannot be written to config.env (it holds ', " and \` together); set ${key} in the environment instead`);
  return spelling;
}

/** The example's text with each key's line given its value; every key must have its line there. */
export function configFileText(values: Record<string, string>): string {
  let text = readFileSync(EXAMPLE, 'utf8');
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}=.*$`, 'm');
    if (!line.test(text)) throw new Error(`config.env.example has no ${key}= line`);
    text = text.replace(line, () => `${key}=${envValue(key, value)}`);
  }
  return text;
}
