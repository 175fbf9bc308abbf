import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/state';
import { repliesFor } from '../../src/ui/authors';

const msg = (id: string, from: ChatMessage['from'], replies?: boolean): ChatMessage =>
  ({
    id,
    from,
    text: id,
    at: 1,
    ...(replies ? { replies: [{ label: 'A', value: 'a' }] } : {}),
  }) as ChatMessage;

/** `list` behind a proxy that counts the items read. */
function counted(list: ChatMessage[]) {
  const seen = { reads: 0 };
  const proxy = new Proxy(list, {
    get: (target, key, receiver) => {
      if (typeof key == 'string' && /^\d+$/.test(key)) seen.reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return [proxy, seen] as const;
}

describe('the quick replies offered', () => {
  it("are the latest message's that has some, until the visitor writes", () => {
    const a = msg('a', 'bot', true);
    expect(repliesFor([msg('x', 'agent'), a, msg('b', 'agent')]).at).toBe(1);
    expect(repliesFor([a, msg('v', 'visitor'), msg('b', 'agent')]).at).toBe(-1);
    expect(repliesFor([]).at).toBe(-1);
  });

  it('read only the messages appended since the last look, in a long chat without any', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => msg('m' + i, 'agent'));
    const first = repliesFor(list);
    expect(first.at).toBe(-1);
    const [live, seen] = counted([...list, msg('new', 'agent')]);
    const next = repliesFor(live, first);
    expect(next.at).toBe(-1);
    expect(seen.reads).toBeLessThan(5);
    // Appended with replies, then a visitor's answer: each found from the new messages alone.
    const withReplies = repliesFor([...list, msg('new', 'agent'), msg('q', 'bot', true)], next);
    expect(withReplies.at).toBe(10_001);
    const answered = [...withReplies.list, msg('v', 'visitor')];
    expect(repliesFor(answered, withReplies).at).toBe(-1);
  });

  it('read everything again when older messages come in at the top or the one found changed', () => {
    const q = msg('q', 'bot', true);
    const list = [q, msg('a', 'agent')];
    const first = repliesFor(list);
    expect(first.at).toBe(0);
    // An older page: indices moved.
    expect(repliesFor([msg('old', 'agent'), ...list], first).at).toBe(1);
    // The message with replies replaced by one without: none offered.
    expect(repliesFor([msg('q', 'bot'), list[1]!, msg('b', 'agent')], first).at).toBe(-1);
  });
});
