// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../src/core/emitter';

describe('createEmitter', () => {
  it('calls a function subscribed twice to one event once, like addEventListener', () => {
    const emitter = createEmitter<{ error: string; unread: number }>(() => {});
    const got: string[] = [];
    const fn = (e: string) => got.push(e);
    emitter.on('error', fn);
    emitter.on('error', fn);
    emitter.emit('error', 'chunk_failed');
    expect(got).toEqual(['chunk_failed']);
    emitter.off('error', fn);
    emitter.emit('error', 'again');
    expect(got).toEqual(['chunk_failed']);
  });

  it('keeps running the other listeners when one throws, and warns', () => {
    const warnings: string[] = [];
    const emitter = createEmitter<{ unread: number }>((m) => warnings.push(m));
    const got: number[] = [];
    emitter.on('unread', () => {
      throw new Error('boom');
    });
    emitter.on('unread', (n) => got.push(n));
    emitter.emit('unread', 2);
    expect(got).toEqual([2]);
    expect(warnings).toEqual(['a "unread" listener threw: Error: boom']);
  });
});
