// Every command's --help shows examples, and --version says package.json's version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli } from './harness/run-cli.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

test('every command the top --help lists has examples in its own --help', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0, top.stderr);
  // Read from the help itself, so a command added later is checked too.
  const section = top.stdout.slice(top.stdout.indexOf('\nCommands:\n'), top.stdout.indexOf('\nOptions:\n'));
  const commands = [...section.matchAll(/^ {2}sync\.ts (\S+)/gm)].map((match) => match[1]);
  assert.deepEqual(commands, ['sync', 'repair', 'verify', 'undo', 'explain', 'status', 'log', 'prune', 'calendars', 'init']);
  assert.match(top.stdout, /\nExamples:\n {2}sync\.ts /);
  for (const command of commands) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0, `${command}: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`\\nExamples:\\n {2}sync\\.ts ${command === 'sync' ? '' : `${command} `}`), `${command} --help:\n${help.stdout}`);
  }
});

test('--version prints the version of package.json', async () => {
  const run = await runCli(['--version']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `${version}\n`);
});
