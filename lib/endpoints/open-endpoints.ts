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

const isRemote = (url: string) => /^(https?|webcals?):\/\//i.test(url);

/** A CalDAV calendar; an http(s) URL ending in .ics, or any webcal:// URL, is a feed; else a local .ics file. */
export async function openSource(settings: EndpointSettings, stats: RequestStats, cache?: DiscoveryCache): Promise<SourceEndpoint> {
  if (isRemote(settings.url)) {
    const url = feedUrl(settings.url);
    const http = createHttp(url, settings, stats, 'source');
    if (/^webcals?:/i.test(settings.url) || new URL(url).pathname.toLowerCase().endsWith('.ics')) return new IcsFeed(url, http);
    return CaldavCalendar.connect({ side: 'source', ...settings }, http, cache);
  }
  if (!existsSync(settings.url) || !statSync(settings.url).isFile()) {
    throw new UserError(`the source ${settings.url} is neither an http(s) URL nor an existing .ics file; check SOURCE_URL`, EXIT.config);
  }
  return new IcsFile(settings.url);
}

/** A CalDAV calendar for an http(s) URL, else a local folder (created if missing). */
export async function openTarget(settings: EndpointSettings, stats: RequestStats, cache?: DiscoveryCache): Promise<TargetEndpoint> {
  if (isRemote(settings.url)) {
    if (/^webcals?:/i.test(settings.url)) throw new UserError('a webcal feed is read-only and cannot be the target; check TARGET_URL', EXIT.config);
    return CaldavCalendar.connect({ side: 'target', ...settings }, createHttp(settings.url, settings, stats, 'target'), cache);
  }
  if (existsSync(settings.url) && !statSync(settings.url).isDirectory()) {
    throw new UserError(`the target ${settings.url} is a file; give a folder (one .ics file per copy) or a CalDAV URL as TARGET_URL`, EXIT.config);
  }
  return new FolderTarget(settings.url);
}
