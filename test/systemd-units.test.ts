// The unit files in systemd/ as systemd itself reads them: `systemd-analyze verify --user` finds no
// unknown key, bad value or missing piece in any of them, and they ask for what the README promises.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const unitsDir = new URL('../systemd/', import.meta.url);
const unit = (name: string) => readFileSync(new URL(name, unitsDir), 'utf8');

let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'calsync-units-'));
  mkdirSync(join(home, 'runtime'), { mode: 0o700 });
  // The template is verified as an instance of it, as systemd would start it.
  for (const [from, to] of [
    ['caldav-instance-sync.service', 'caldav-instance-sync.service'],
    ['caldav-instance-sync.timer', 'caldav-instance-sync.timer'],
    ['caldav-instance-sync@.service', 'caldav-instance-sync@work.service'],
    ['caldav-instance-sync@.timer', 'caldav-instance-sync@work.timer'],
  ]) {
    copyFileSync(new URL(from, unitsDir), join(home, to));
  }
});
after(() => rmSync(home, { recursive: true, force: true }));

for (const name of ['caldav-instance-sync.service', 'caldav-instance-sync.timer', 'caldav-instance-sync@work.service', 'caldav-instance-sync@work.timer']) {
  test(`systemd-analyze verify --user finds nothing to say about ${name}`, async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', '--user', `./${name}`], { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_RUNTIME_DIR: join(home, 'runtime') } });
    assert.equal(stdout + stderr, '');
  });
}

test('the services write only their state folder, where SYNC_DB is, and keep the rest of home read-only', () => {
  for (const name of ['caldav-instance-sync.service', 'caldav-instance-sync@.service']) {
    const text = unit(name);
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=read-only', 'StateDirectory=caldav-instance-sync', 'ReadWritePaths=%S/caldav-instance-sync', 'Environment=SYNC_DB=%S/caldav-instance-sync/sync.db', 'UMask=0077']) {
      assert.ok(text.split('\n').includes(line), `${name} lacks ${line}`);
    }
  }
  assert.match(unit('caldav-instance-sync.service'), /^ExecStart=\/usr\/bin\/env node --import tsx sync\.ts --config %E\/caldav-instance-sync\/config\.env( |$)/m);
  assert.match(unit('caldav-instance-sync@.service'), /^ExecStart=\/usr\/bin\/env node --import tsx sync\.ts --config %E\/caldav-instance-sync\/%i\.env( |$)/m);
});
