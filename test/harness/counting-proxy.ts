// A small HTTP proxy on 127.0.0.1 that counts the requests a client makes to a server, by method,
// independently of the client. It can also make the server look older: 'ctag-only' refuses the
// sync-collection report; 'plain' refuses it and hides getctag as well. And it can stop between the
// server and the client (onAnswer): the server has done the request, the client does not know yet.
import type { IncomingHttpHeaders } from 'node:http';
import { startRelay, type RelayedRequest } from './relay-proxy.ts';

export type ServerFeatures = 'sync-collection' | 'ctag-only' | 'plain';

/** One request as the server answered it, before the answer is relayed to the client. */
export interface ProxiedAnswer {
  /** 1 for the first request since the proxy started or was reset, in order of arrival. */
  index: number;
  method: string;
  /** The request's path (and query), as the client sent it. */
  path: string;
  /** The client's request headers (If-Match, If-None-Match, ...). */
  headers: IncomingHttpHeaders;
  /** The server's status code. */
  status: number;
}

/**
 * Called once the server's whole answer to a request has arrived, before it is relayed. The relay
 * waits for it; 'drop' closes the client's connection instead of relaying (the client never learns).
 */
export type AnswerHook = (answer: ProxiedAnswer) => 'drop' | void | Promise<'drop' | void>;

export interface CountingProxy {
  url: string;
  counts(): Record<string, number>;
  reset(): void;
  features: ServerFeatures;
  onAnswer?: AnswerHook;
  close(): Promise<void>;
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  let counts: Record<string, number> = {};
  let received = 0;
  const indexes = new WeakMap<RelayedRequest, number>();
  const relay = await startRelay(upstream, {
    before(request) {
      counts[request.method] = (counts[request.method] ?? 0) + 1;
      indexes.set(request, ++received);
      if (proxy.features !== 'sync-collection' && request.method === 'REPORT' && request.body.includes('sync-collection')) {
        return { status: 403, headers: { 'content-type': 'text/plain' }, body: Buffer.from('sync-collection is not supported here') };
      }
    },
    async after(request, answer) {
      if (proxy.features === 'plain' && request.method === 'PROPFIND') {
        answer.body = Buffer.from(answer.body.toString('utf8').replace(/<([\w-]+:)?getctag\b[^>]*>[^<]*<\/([\w-]+:)?getctag>/g, ''));
      }
      const index = indexes.get(request)!;
      if (proxy.onAnswer && (await proxy.onAnswer({ index, method: request.method, path: request.path, headers: request.headers, status: answer.status })) === 'drop') return 'drop';
      return answer;
    },
  });
  const proxy: CountingProxy = {
    url: relay.url,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
      received = 0;
    },
    features: 'sync-collection',
    close: relay.close,
  };
  return proxy;
}
