// A small HTTP proxy on 127.0.0.1 that counts the requests a client makes to a server, by method,
// independently of the client. It can also make the server look older: 'ctag-only' refuses the
// sync-collection report; 'plain' refuses it and hides getctag as well. And it can stop between the
// server and the client (onAnswer): the server has done the request, the client does not know yet.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

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
  const target = new URL(upstream);
  let counts: Record<string, number> = {};
  let received = 0;
  const proxy: CountingProxy = {
    url: '',
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
      received = 0;
    },
    features: 'sync-collection',
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? 'GET';
    counts[method] = (counts[method] ?? 0) + 1;
    const index = ++received;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      if (proxy.features !== 'sync-collection' && method === 'REPORT' && body.includes('sync-collection')) {
        outgoing.writeHead(403, { 'content-type': 'text/plain' }).end('sync-collection is not supported here');
        return;
      }
      // Uncompressed answers, so that 'plain' can edit them and every byte is seen as sent.
      const headers = { ...incoming.headers, host: target.host };
      delete headers['accept-encoding'];
      const forwarded = request(
        { host: target.hostname, port: target.port, method, path: incoming.url, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (part: Buffer) => parts.push(part));
          answer.on('end', async () => {
            let text = Buffer.concat(parts);
            if (proxy.features === 'plain' && method === 'PROPFIND') {
              text = Buffer.from(text.toString('utf8').replace(/<([\w-]+:)?getctag\b[^>]*>[^<]*<\/([\w-]+:)?getctag>/g, ''));
            }
            if (proxy.onAnswer) {
              const verdict = await proxy.onAnswer({ index, method, path: incoming.url ?? '/', headers: incoming.headers, status: answer.statusCode ?? 0 });
              if (verdict === 'drop') {
                outgoing.destroy();
                return;
              }
            }
            const headers = { ...answer.headers, 'content-length': String(text.length) };
            delete headers['transfer-encoding'];
            outgoing.writeHead(answer.statusCode ?? 502, headers).end(text);
          });
        },
      );
      forwarded.on('error', () => outgoing.writeHead(502).end());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}${target.pathname}`;
  return proxy;
}
