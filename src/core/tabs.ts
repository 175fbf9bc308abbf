import type { ClientFrame } from '../protocol';
import type { ConnectionStatus, Transport, TransportListener } from '../transport/types';

/**
 * What tabs say to each other on the visitor's BroadcastChannel: `s` a status of the leader's
 * connection, `f` a frame from the server, `o` a frame for the server (with `x`: final), `q` a
 * new tab asking for the status.
 */
interface Relay {
  s?: ConnectionStatus;
  f?: unknown;
  o?: ClientFrame;
  x?: boolean;
  q?: 1;
}

/**
 * One connection per visitor however many tabs are open. The tab holding the Web Lock `name`
 * leads: it opens the real transport, posts every status and server frame to the others on a
 * BroadcastChannel of the same name, and sends what they relay to it. The others queue for the
 * lock, so when the leader closes (or crashes, or enters the back/forward cache) the next one
 * takes over and connects at once. Heartbeats of the other tabs are not forwarded: they feed
 * the leader's activity (`onActivity`), so the server gets one heartbeat stream.
 *
 * Where Web Locks or BroadcastChannel are missing (old browsers, insecure origins), or `win` is
 * not given, every tab keeps its own connection: `inner` is returned as it is.
 */
export function shareTransport(
  inner: Transport,
  name: string,
  win: Window | undefined,
  onActivity: (at: number) => void,
): Transport {
  const locks = win?.navigator.locks;
  const BC = (win as (Window & typeof globalThis) | undefined)?.BroadcastChannel;
  if (!locks || !BC) return inner;
  let listener: TransportListener | undefined;
  let channel: BroadcastChannel | undefined;
  let lead = false;
  let status: ConnectionStatus = 'connecting';
  let release: (() => void) | undefined;
  // A BroadcastChannel has no target origin: it only ever reaches this origin.
  // oxlint-disable-next-line unicorn/require-post-message-target-origin
  const post = (m: Relay) => channel?.postMessage(m);
  // A tab may hear the same status twice (its question answered, then the leader's own news).
  const report = (s: ConnectionStatus) => s != status && listener?.status((status = s));
  /** What the leader's real transport reports to: this tab, then every other one. */
  const relay: TransportListener = {
    status(s) {
      post({ s });
      report(s);
    },
    frame(f) {
      post({ f });
      listener?.frame(f);
    },
  };

  function resign() {
    listener = undefined;
    channel?.close();
    channel = undefined;
    if (lead) inner.close();
    lead = false;
    release?.();
  }

  // Entering the back/forward cache: let another tab lead; the `pageshow` restore reopens us.
  win.addEventListener('pagehide', (e) => {
    if (e.persisted && listener) {
      report('closed');
      resign();
    }
  });

  return {
    open(l) {
      if (listener) return lead && inner.open(relay);
      listener = l;
      status = 'connecting';
      const ch = (channel = new BC(name));
      ch.onmessage = ({ data: d }: MessageEvent<Relay>) => {
        if (lead) {
          const f = d.o;
          if (!f) {
            if (d.q) post({ s: status });
          } else if (f.t == 'hb') onActivity(f.activeAt);
          else inner.send(f, d.x);
        } else if (d.s) report(d.s);
        else if ('f' in d) listener?.frame(d.f);
      };
      post({ q: 1 });
      locks
        .request(
          name,
          () =>
            new Promise<void>((r) => {
              if (channel != ch) return r();
              release = r;
              lead = true;
              inner.open(relay);
            }),
        )
        // No lock manager here after all (an opaque origin): this tab connects on its own.
        .catch(() => channel == ch && ((lead = true), inner.open(relay)));
    },
    send(f, final) {
      if (lead) return inner.send(f, final);
      if (status != 'open') return false;
      post({ o: f, x: final });
      return true;
    },
    close: resign,
  };
}
