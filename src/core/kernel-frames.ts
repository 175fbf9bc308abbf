import { toRecord } from '../protocol';
import type { Identity } from './identity';
import type { KernelInternals } from './kernel';

/** A short non-empty string (ids, tokens, codes in server frames). */
const str = (v: unknown) => typeof v == 'string' && v.length > 0 && v.length < 500;

/** Where the kernel's server frames go: its own handling, then the chat layer. */
export interface FrameRouter {
  /** A frame from the server, raw (the transport's string or object). */
  frame(raw: unknown): void;
  /** Plugs the chat layer in (Kernel.attachChat); returns the frames that arrived before. */
  attach(frame: (f: Record<string, unknown>) => void): Record<string, unknown>[];
}

/**
 * Validates only what the kernel acts on (`welcome`: the visitor id, token and blocked state;
 * `blocked`, `unblocked`); every frame then goes to the chat layer, which validates it in full
 * (parseServerRecord) — that validator stays out of the pre-`load` bundle. Before the chat
 * layer is attached, frames wait (a thousand at most), and a message asks for it (`needChat`).
 */
export function createFrameRouter(
  k: KernelInternals,
  saveIdentity: (id: Identity) => Identity,
  needChat?: () => void,
): FrameRouter {
  const { warn } = k;
  let chat: ((f: Record<string, unknown>) => void) | undefined;
  const pending: Record<string, unknown>[] = [];
  const bad = (why: string) => warn('ignored a server frame: ' + why);

  function setBlocked(blocked: boolean) {
    if (blocked == k.state.blocked) return;
    k.updateVisitor(
      { blocked },
      blocked ? { blocked, open: false, autoMessage: null } : { blocked },
    );
    k.emitter.emit(blocked ? 'blocked' : 'unblocked', true);
  }

  return {
    frame(raw) {
      const f = toRecord(raw);
      if (typeof f == 'string') return bad(f);
      const t = f.t;
      try {
        if (t == 'welcome') {
          if (!str(f.vid) || (f.token !== undefined && !str(f.token)))
            return bad('welcome: invalid vid or token');
          k.welcomed = true;
          const id = k.identity;
          const vid = f.vid as string;
          const token = f.token as string | undefined;
          // Held at once: a hello without the token would make a new visitor.
          if (id && (vid != id.vid || token)) k.identity = saveIdentity({ ...id, vid, token });
          setBlocked(f.blocked === true);
          k.set({ agentsOnline: f.online !== false, vid });
        } else if (t == 'blocked' || t == 'unblocked') setBlocked(t == 'blocked');
        if (chat) chat(f);
        else if (pending.length < 1000) {
          pending.push(f);
          if (t == 'msg') needChat?.();
        }
      } catch (e) {
        warn('failed to handle a "' + String(t) + '" frame: ' + String(e));
      }
    },
    attach(frame) {
      chat = frame;
      return pending.splice(0);
    },
  };
}
