// @types/node 20 knows nothing of node:sqlite (it came in Node 22.5). Only the adapter uses it, and
// only under Deno; this is the part of it the adapter calls.
declare module 'node:sqlite' {
  type SqlValue = null | number | bigint | string | Uint8Array;

  export interface StatementSync {
    run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
    get(...params: SqlValue[]): unknown;
    all(...params: SqlValue[]): unknown[];
    setReturnArrays(enabled: boolean): void;
  }

  export class DatabaseSync {
    constructor(path: string);
    readonly isTransaction: boolean;
    prepare(sql: string): StatementSync;
    exec(sql: string): void;
    close(): void;
  }
}
