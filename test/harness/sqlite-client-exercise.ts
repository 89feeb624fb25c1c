// What drizzle and the tool ask of the SQLite client, asked of one client, with every answer kept:
// test/deno-compat.test.ts compares better-sqlite3's answers under Node with the node:sqlite
// adapter's under Deno (Node 20 has no node:sqlite, so the adapter can only be run there).

interface Rows {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface Client {
  exec(sql: string): unknown;
  prepare(sql: string): Rows & { run(...params: unknown[]): unknown; raw(on?: boolean): Rows };
  transaction(fn: () => void): { (): void; deferred(): void; immediate(): void; exclusive(): void };
}

const refused = (attempt: () => void) => {
  try {
    attempt();
    return 'done';
  } catch (error) {
    return (error as Error).message;
  }
};

export function exerciseClient(client: Client): Record<string, unknown> {
  client.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)');
  const insert = client.prepare('INSERT INTO t (name) VALUES (?)');
  const names = client.prepare('SELECT name FROM t ORDER BY id');
  const answers: Record<string, unknown> = {
    run: insert.run('plain'),
    undefinedIsNull: { ...(client.prepare('SELECT ? AS v').get(undefined) as object) },
    // A join naming two columns alike: objects would keep one, drizzle's arrays need both.
    rawJoin: client.prepare("SELECT a.id, b.id, a.name FROM t a JOIN t b ON b.id = a.id").raw().all(),
    rawGetMissing: client.prepare('SELECT id FROM t WHERE id = ?').raw().get(99) ?? 'undefined',
  };
  client.transaction(() => void insert.run('committed')).deferred();
  answers.rolledBack = refused(() =>
    client.transaction(() => {
      insert.run('rolled back');
      throw new Error('undo this');
    }).immediate(),
  );
  answers.nested = refused(() =>
    client.transaction(() => {
      insert.run('outer kept');
      answers.inner = refused(() =>
        client.transaction(() => {
          insert.run('inner undone');
          throw new Error('undo the inner one only');
        })(),
      );
    }).exclusive(),
  );
  answers.names = names.raw().all();
  answers.objects = (names.raw(false).all() as object[]).map((row) => ({ ...row }));
  return answers;
}

if ('Deno' in globalThis) {
  const { openNodeSqlite } = await import('../../db/node-sqlite-adapter.ts');
  console.log(JSON.stringify(exerciseClient(openNodeSqlite(':memory:'))));
}
