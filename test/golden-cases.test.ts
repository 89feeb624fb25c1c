// Golden cases: each test/golden/*.case file holds an input calendar, a window and the exact
// instances expected, written by hand from RFC 5545. Each runs through the CLI end to end
// (source = the .ics, target = a folder), as a user would run it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { describeCopies } from './harness/describe-copies.ts';
import { runCli } from './harness/run-cli.ts';

const folder = fileURLToPath(new URL('./golden/', import.meta.url));

interface GoldenCase {
  title: string;
  from: string;
  to: string;
  tz: string;
  /** 'crlf' (default) or 'lf': the line endings the input file is written with. */
  lineEndings: string;
  exit: number;
  /** Text that must appear in what the run prints (warnings, skipped events). */
  output: string[];
  input: string;
  expect: string[];
}

/** Header lines "key: value", then "--- input" and "--- expect" sections. */
function readCase(text: string): GoldenCase {
  const [header, rest] = text.split(/^--- input\n/m);
  const [input, expect] = rest.split(/^--- expect\n/m);
  const values = (key: string) => [...header.matchAll(new RegExp(`^${key}: (.*)$`, 'gm'))].map((m) => m[1].trim());
  const [from, to] = (values('window')[0] ?? '').split(/\s+/);
  return {
    title: values('title')[0] ?? '',
    from,
    to,
    tz: values('tz')[0] ?? 'UTC',
    lineEndings: values('line-endings')[0] ?? 'crlf',
    exit: Number(values('exit')[0] ?? 0),
    output: values('output'),
    input,
    expect: expect.split('\n').map((line) => line.trim()).filter(Boolean).sort(),
  };
}

const work = mkdtempSync(join(tmpdir(), 'calsync-golden-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('golden cases', { concurrency: 4 }, () => {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.case')).sort()) {
    const golden = readCase(readFileSync(join(folder, file), 'utf8'));
    test(`${file}: ${golden.title}`, async () => {
      const dir = join(work, file);
      const source = join(dir, 'input.ics');
      const target = join(dir, 'out');
      mkdirSync(dir, { recursive: true });
      writeFileSync(source, golden.lineEndings === 'lf' ? golden.input : golden.input.replace(/\n/g, '\r\n'));
      const run = await runCli(['--source', source, '--target', target, '--db', join(dir, 'sync.db'), '--from', golden.from, '--to', golden.to], {
        env: { TZ: golden.tz },
      });
      assert.equal(run.code, golden.exit, `exit code\n${run.stdout}${run.stderr}`);
      for (const text of golden.output) assert.ok((run.stdout + run.stderr).includes(text), `output should include: ${text}\n${run.stdout}${run.stderr}`);
      const copies = existsSync(target) ? readdirSync(target).map((name) => ({ data: readFileSync(join(target, name), 'utf8') })) : [];
      assert.deepEqual(describeCopies(copies), golden.expect);
    });
  }
});
