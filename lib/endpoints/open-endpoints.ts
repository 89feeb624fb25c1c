// Which kind of endpoint a configured URL names.
import { existsSync, statSync } from 'node:fs';
import type { DiscoveryCache } from '../../db/discovery-cache.ts';
import type { EndpointSettings } from '../config.ts';
import { EXIT, UserError } from '../errors.ts';
import { createHttp, type RequestStats } from '../http.ts';
import { CaldavCalendar } from './caldav-calendar.ts';
import type { SourceEndpoint, TargetEndpoint } from './endpoint.ts';
import { FolderTarget } from './folder-target.ts';
import { feedUrl, IcsFeed, IcsFile } from './ics-feed.ts';

export type EndpointKind = 'caldav' | 'feed' | 'file' | 'folder';

const isRemote = (url: string) => /^(https?|webcals?):\/\//i.test(url);

/**
 * What a side's URL names, refusing what cannot be that side. A source: an http(s) URL ending in
 * .ics, or any webcal:// URL, is a feed; another http(s) URL is CalDAV; else a local .ics file. A
 * target: an http(s) URL is CalDAV, else a local folder (created if missing).
 */
export function endpointKind(side: 'source' | 'target', url: string): EndpointKind {
  if (side === 'source') {
    if (isRemote(url)) return /^webcals?:/i.test(url) || new URL(feedUrl(url)).pathname.toLowerCase().endsWith('.ics') ? 'feed' : 'caldav';
    if (!existsSync(url) || !statSync(url).isFile()) {
      throw new UserError(`the source ${url} is neither an http(s) URL nor an existing .ics file; check SOURCE_URL`, EXIT.config);
    }
    return 'file';
  }
  if (isRemote(url)) {
    if (/^webcals?:/i.test(url)) throw new UserError('a webcal feed is read-only and cannot be the target; check TARGET_URL', EXIT.config);
    return 'caldav';
  }
  if (existsSync(url) && !statSync(url).isDirectory()) {
    throw new UserError(`the target ${url} is a file; give a folder (one .ics file per copy) or a CalDAV URL as TARGET_URL`, EXIT.config);
  }
  return 'folder';
}

export async function openSource(settings: EndpointSettings, stats: RequestStats, cache?: DiscoveryCache): Promise<SourceEndpoint> {
  const kind = endpointKind('source', settings.url);
  if (kind === 'file') return new IcsFile(settings.url);
  const url = feedUrl(settings.url);
  const http = createHttp(url, settings, stats, 'source', cache);
  if (kind === 'feed') return new IcsFeed(url, http);
  return CaldavCalendar.connect({ side: 'source', ...settings }, http, cache);
}

export async function openTarget(settings: EndpointSettings, stats: RequestStats, cache?: DiscoveryCache): Promise<TargetEndpoint> {
  if (endpointKind('target', settings.url) === 'folder') return new FolderTarget(settings.url);
  return CaldavCalendar.connect({ side: 'target', ...settings }, createHttp(settings.url, settings, stats, 'target', cache), cache);
}
