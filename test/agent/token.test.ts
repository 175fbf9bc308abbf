import { describe, expect, it, vi } from 'vitest';
import { takeToken } from '../../demo/agent/token';
import { memoryStorage } from './fake-api';

function env(hash: string, storage = memoryStorage()) {
  return {
    location: { hash, pathname: '/agent', search: '?x=1' },
    history: { state: { kept: true }, replaceState: vi.fn() },
    storage,
  };
}

describe('the agent token', () => {
  it('keeps a "+" and decodes %-escapes, and leaves other fragment parts in place', () => {
    const e = env('#a=1&token=ab%2Fc+d&b=2');
    expect(takeToken(e)).toBe('ab/c+d');
    expect(e.history.replaceState).toHaveBeenCalledWith({ kept: true }, '', '/agent?x=1#a=1&b=2');
  });

  it('prefers a new token in the URL over the stored one', () => {
    const storage = memoryStorage({ 'visitor-chat:agent-token': 'old' });
    expect(takeToken(env('#token=new', storage))).toBe('new');
    expect(takeToken(env('', storage))).toBe('new');
  });

  it('still works when storage throws', () => {
    const storage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(takeToken(env('#token=t', storage as never))).toBe('t');
    expect(takeToken(env('', storage as never))).toBe('');
  });
});
