/**
 * A minimal visitor server for the transport tests, on 127.0.0.1: just enough of
 * docs/PROTOCOL.md for both transports (hello → welcome with a token, msg → ack with de-duplication
 * by client id, server frames in order, close codes and HTTP statuses) and a way to drop a
 * visitor's connections from the server side. The reference server lives in demo/server/.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Message } from '../../src/protocol';

interface Visitor {
  token: string;
  messages: Message[];
  /** Server frames in order, numbered from 1; a new stream starts after `welcomedAt`. */
  log: string[];
  welcomedAt: number;
  sockets: Set<WebSocket>;
  streams: Set<ServerResponse>;
  polls: Set<{ res: ServerResponse; after: number }>;
}

export interface MiniServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The account key it accepts ("demo"). */
  key: string;
  /** Visitor messages stored for `vid`, in order (one per client id). */
  stored(vid: string): Message[];
  /** Sends an agent message to the visitor. */
  say(vid: string, text: string): void;
  /**
   * Drops every connection of the visitor: sockets close with 1012, streams and polls end. Waits
   * (up to 2 s) for the visitor to have one: an HTTP client opens its stream after the welcome.
   */
  drop(vid: string): Promise<void>;
  /** Closes the visitor's sockets with `code` (e.g. 4003). */
  closeSockets(vid: string, code: number): void;
  /** Every request path, in order (`POST /v1/frames`, `GET /v1/poll`, `WS /v1/ws`...). */
  requests: string[];
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** Starts a mini server on 127.0.0.1 with a free port. */
export async function startMiniServer(key = 'demo'): Promise<MiniServer> {
  const visitors = new Map<string, Visitor>();
  const requests: string[] = [];
  let seq = 0;

  /** Handles `hello`: the visitor and its welcome, or undefined when the token is wrong. */
  function hello(f: Record<string, unknown>): [Visitor, unknown] | undefined {
    const vid = String(f.vid);
    let v = visitors.get(vid);
    if (v && f.token !== v.token) return undefined;
    if (!v) {
      v = {
        token: randomUUID(),
        messages: [],
        log: [],
        welcomedAt: 0,
        sockets: new Set(),
        streams: new Set(),
        polls: new Set(),
      };
      visitors.set(vid, v);
    }
    v.welcomedAt = v.log.length;
    return [v, { t: 'welcome', v: 1, vid, token: v.token, online: true, messages: v.messages }];
  }

  /** Answers one client frame (after hello). */
  function frame(v: Visitor, f: Record<string, unknown>): unknown[] {
    if (f.t != 'msg') return [];
    let m = v.messages.find((x) => x.cid == f.cid);
    if (!m)
      v.messages.push(
        (m = {
          id: 's' + ++seq,
          cid: String(f.cid),
          from: 'visitor',
          text: String(f.text),
          at: Date.now(),
        }),
      );
    return [{ t: 'ack', cid: m.cid, id: m.id, at: m.at }];
  }

  function push(v: Visitor, f: unknown) {
    const data = JSON.stringify(f);
    v.log.push(data);
    const id = v.log.length;
    for (const ws of v.sockets) ws.send(data);
    for (const res of v.streams) res.write(`id: ${id}\ndata: ${data}\n\n`);
    for (const p of v.polls) answerPoll(v, p);
  }

  function answerPoll(v: Visitor, p: { res: ServerResponse; after: number }) {
    v.polls.delete(p);
    json(p.res, 200, { frames: v.log.slice(p.after).map((s) => JSON.parse(s)), seq: v.log.length });
  }

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => void route(req, res));

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://x');
    requests.push(req.method + ' ' + url.pathname);
    if (url.searchParams.get('key') != key) return json(res, 404, { error: 'unknown_key' });
    if (req.method == 'POST' && url.pathname == '/v1/frames') {
      let text = '';
      for await (const chunk of req) text += chunk;
      let body: { vid?: string; token?: string; frames?: Record<string, unknown>[] };
      try {
        body = JSON.parse(text);
        if (!Array.isArray(body.frames)) throw new Error('no frames');
      } catch {
        return json(res, 400, { error: 'bad_request', message: 'bad body' });
      }
      const out: unknown[] = [];
      let v = visitors.get(String(body.vid));
      for (const f of body.frames!) {
        if (f.t == 'hello') {
          const r = hello(f);
          if (!r) return json(res, 401, { error: 'invalid_token' });
          v = r[0];
          out.push(r[1]);
        } else if (!v || body.token !== v.token) return json(res, 401, { error: 'invalid_token' });
        else out.push(...frame(v, f));
      }
      return json(res, 200, { frames: out });
    }
    const v = visitors.get(url.searchParams.get('vid') || '');
    if (!v || url.searchParams.get('token') != v.token)
      return json(res, 401, { error: 'invalid_token' });
    if (url.pathname == '/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': hi\n\n');
      const from = Number(req.headers['last-event-id'] ?? v.welcomedAt);
      v.log.slice(from).forEach((data, i) => res.write(`id: ${from + i + 1}\ndata: ${data}\n\n`));
      v.streams.add(res);
      res.on('close', () => v.streams.delete(res));
      return;
    }
    if (url.pathname == '/v1/poll') {
      const after = url.searchParams.has('after')
        ? Number(url.searchParams.get('after'))
        : v.welcomedAt;
      const p = { res, after };
      if (v.log.length > after) return answerPoll(v, p);
      v.polls.add(p);
      const timer = setTimeout(() => v.polls.has(p) && answerPoll(v, p), 25000);
      res.on('close', () => (clearTimeout(timer), v.polls.delete(p)));
      return;
    }
    json(res, 404, { error: 'not_found' });
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url!, 'http://x');
    requests.push('WS ' + url.pathname);
    if (url.pathname != '/v1/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (url.searchParams.get('key') != key) return ws.close(4004, 'unknown_key');
      let v: Visitor | undefined;
      ws.on('message', (data) => {
        let f: Record<string, unknown>;
        try {
          f = JSON.parse(String(data));
        } catch {
          return ws.close(4000, 'invalid JSON');
        }
        if (f.t == 'hello') {
          const r = hello(f);
          if (!r) return ws.close(4001, 'invalid_token');
          v?.sockets.delete(ws);
          v = r[0];
          v.sockets.add(ws);
          ws.send(JSON.stringify(r[1]));
        } else if (!v) ws.close(4000, 'hello first');
        else for (const out of frame(v, f)) ws.send(JSON.stringify(out));
      });
      ws.on('close', () => v?.sockets.delete(ws));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const visitor = (vid: string) => {
    const v = visitors.get(vid);
    if (!v) throw new Error('unknown visitor ' + vid);
    return v;
  };
  return {
    url: 'http://127.0.0.1:' + (server.address() as AddressInfo).port,
    key,
    requests,
    stored: (vid) => visitors.get(vid)?.messages.slice() || [],
    say(vid, text) {
      const v = visitor(vid);
      push(v, { t: 'msg', m: { id: 's' + ++seq, from: 'agent', text, at: Date.now() } });
    },
    async drop(vid) {
      const v = visitor(vid);
      for (let i = 0; i < 400 && !(v.sockets.size + v.streams.size + v.polls.size); i++)
        await new Promise((r) => setTimeout(r, 5));
      for (const ws of v.sockets) ws.close(1012, 'restart');
      for (const res of v.streams) res.destroy();
      for (const p of v.polls) p.res.destroy();
    },
    closeSockets(vid, code) {
      for (const ws of visitor(vid).sockets) ws.close(code);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
