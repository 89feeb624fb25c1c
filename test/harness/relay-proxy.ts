// The core the test proxies share: an HTTP relay on 127.0.0.1 to one upstream server, with a rule
// before a request goes on (answer it here, drop it, or hold it) and after the server's whole answer
// has arrived (change it, or drop it: the server has done the request, the client never learns).
import { createServer, request, type IncomingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface RelayedRequest {
  method: string;
  /** Path and query as the client sent them; a rule may change it before the request goes on. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The request body; a rule may change it before the request goes on. */
  body: Buffer;
}

export interface RelayedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** 'drop' closes the client's connection unanswered; 'hang' never answers (until the relay closes). */
export type Withheld = 'drop' | 'hang';

export interface RelayRules {
  /** Before the server sees the request: an answer given here instead, a withheld one, or nothing to pass it on. */
  before?(request: RelayedRequest): RelayedAnswer | Withheld | void;
  /** Once the server's whole answer is here: the answer to relay instead, a withheld one, or nothing to relay it as it is. */
  after?(request: RelayedRequest, answer: RelayedAnswer): RelayedAnswer | Withheld | void | Promise<RelayedAnswer | Withheld | void>;
}

export interface Relay {
  /** The relay's origin with the upstream's path. */
  url: string;
  /** Connections accepted so far: a client that refuses a TLS certificate has made one and sent nothing on it. */
  connections(): number;
  close(): Promise<void>;
}

/** With `tls` the relay speaks HTTPS to its clients (to the upstream always plain HTTP). */
export async function startRelay(upstream: string, rules: RelayRules, tls?: { key: string; cert: string }): Promise<Relay> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const reply = (outgoing: ServerResponse, verdict: RelayedAnswer | Withheld) => {
    if (verdict === 'drop') outgoing.destroy();
    else if (verdict !== 'hang') {
      const headers = { ...verdict.headers, 'content-length': String(verdict.body.length) };
      delete headers['transfer-encoding'];
      outgoing.writeHead(verdict.status, headers).end(verdict.body);
    }
  };
  const handle: RequestListener = (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const relayed: RelayedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks) };
      const early = rules.before?.(relayed);
      if (early) {
        reply(outgoing, early);
        return;
      }
      // Uncompressed answers, so that rules can edit them and every byte is seen as sent.
      const headers: IncomingHttpHeaders = { ...relayed.headers, host: target.host };
      delete headers['accept-encoding'];
      delete headers['transfer-encoding'];
      // The body is whole here, and a rule may have changed its length.
      if (relayed.body.length > 0 || incoming.headers['content-length'] !== undefined) headers['content-length'] = String(relayed.body.length);
      const forwarded = request({ host: target.hostname, port: target.port, method: relayed.method, path: relayed.path, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', async () => {
          const whole: RelayedAnswer = { status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) };
          reply(outgoing, (await rules.after?.(relayed, whole)) || whole);
        });
      });
      forwarded.on('error', () => outgoing.writeHead(502).end());
      forwarded.end(relayed.body);
    });
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${address.port}${target.pathname}`,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        // Held answers would keep their connections, and the server, open for ever.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
