// A local folder as the target: one .ics file per copy (vdir layout), so the tool runs with no server.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT, UserError, WriteRefused } from '../errors.ts';
import type { CollectionChanges, FetchedObject, TargetEndpoint } from './endpoint.ts';
import { sha256 } from '../sha256.ts';

/** A file's ETag is the hash of its bytes: any edit, by anyone, changes it. */
function etagOf(data: string): string {
  return `"${sha256(data).slice(0, 32)}"`;
}

export class FolderTarget implements TargetEndpoint {
  readonly identity: string;

  constructor(private readonly folder: string) {
    this.identity = `folder:${resolve(folder)}`;
  }

  hrefFor(fileName: string): string {
    return fileName;
  }

  private async read(href: string): Promise<string | null> {
    try {
      return await readFile(join(this.folder, href), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** A folder has no change log: it is listed (and every file hashed) on every run. */
  async changesSince(): Promise<CollectionChanges> {
    // The folder is made by the first write, so a dry run leaves no trace.
    const names = existsSync(this.folder) ? (await readdir(this.folder)).filter((name) => name.endsWith('.ics')).sort() : [];
    const objects = (await this.fetchObjects(names)).map(({ href, etag }) => ({ href, etag }));
    return { kind: 'full', objects, mark: { syncToken: null, ctag: null } };
  }

  async fetchObjects(hrefs: string[]): Promise<FetchedObject[]> {
    const objects: FetchedObject[] = [];
    for (const href of hrefs) {
      const data = await this.read(href);
      if (data !== null) objects.push({ href, etag: etagOf(data), data });
    }
    return objects;
  }

  /** Written beside and renamed into place, so a crash never leaves half a file. */
  private async write(href: string, ics: string): Promise<string> {
    try {
      await mkdir(this.folder, { recursive: true });
    } catch (error) {
      throw new UserError(`cannot create the target folder ${this.folder}: ${(error as NodeJS.ErrnoException).code}; check TARGET_URL`, EXIT.config);
    }
    const temporary = join(this.folder, `.${href}.tmp`);
    await writeFile(temporary, ics, 'utf8');
    await rename(temporary, join(this.folder, href));
    return etagOf(ics);
  }

  private async expect(href: string, etag: string | null): Promise<void> {
    const data = await this.read(href);
    const current = data === null ? null : etagOf(data);
    if (current !== etag) {
      throw new WriteRefused(
        etag === null ? `${href} already exists in the target folder` : `${href} changed in the target folder since it was read; it is retried next run`,
        412,
      );
    }
  }

  async create(href: string, ics: string): Promise<string> {
    await this.expect(href, null);
    return this.write(href, ics);
  }

  async update(href: string, ics: string, etag: string): Promise<string> {
    await this.expect(href, etag);
    return this.write(href, ics);
  }

  async remove(href: string, etag: string): Promise<void> {
    await this.expect(href, etag);
    await unlink(join(this.folder, href));
  }
}
