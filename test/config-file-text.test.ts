// What init writes into config.env reads back, through the sync's own parser, as what was answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv } from 'node:util';
import { envValue } from '../commands/config-file-text.ts';

test('values with #, spaces, quotes and backslashes are spelled so that they read back unchanged', () => {
  const values = ['', 'plain', 'p#ss', 'two words', ' leading', "it's", 'say "hi"', `a'b"c`, 'back\\nslash', 'a=b', '`tick`'];
  const spelled = values.map((value) => envValue('SOURCE_PASSWORD', value));
  assert.deepEqual(spelled, ['', 'plain', "'p#ss'", 'two words', "' leading'", "it's", 'say "hi"', `a'b"c`, 'back\\nslash', 'a=b', "'`tick`'"]);
  for (const [i, value] of values.entries()) assert.equal(parseEnv(`SOURCE_PASSWORD=${spelled[i]}`).SOURCE_PASSWORD, value);
});

test('a value no quoting can carry is refused with the key and what to do instead', () => {
  assert.throws(() => envValue('TARGET_PASSWORD', `'"\` #`), {
    message: 'the value of TARGET_PASSWORD cannot be written to config.env (it holds \', " and ` together); set TARGET_PASSWORD in the environment instead',
  });
});
