import { afterEach, describe, expect, it, vi } from 'vitest';
import { setVisibility } from '../helpers/visibility';
import { cleanup, flush, mountUI } from './setup';

afterEach(() => {
  cleanup();
  setVisibility(document, 'visible');
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A fake AudioContext that counts the beeps. */
function fakeAudio() {
  const beeps: number[] = [];
  const node = () => ({ connect: (n: unknown) => n, start: () => beeps.push(1), stop() {} });
  class FakeAudioContext {
    currentTime = 0;
    destination = {};
    createOscillator = () => ({ ...node(), frequency: { value: 0 } });
    createGain = () => ({
      ...node(),
      gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} },
    });
    close = async () => {};
  }
  vi.stubGlobal('AudioContext', FakeAudioContext);
  return beeps;
}

describe('notifications', () => {
  it('blink the title while the tab is hidden and messages are unread, with titleBlink', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    document.title = 'Shop';
    const ui = await mountUI({ titleBlink: true });
    setVisibility(document, 'hidden');
    ui.server.say('Hello?');
    await flush();
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe('(1) New message');
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe('Shop');
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe('(1) New message');
    setVisibility(document, 'visible');
    expect(document.title).toBe('Shop');
    vi.advanceTimersByTime(3000);
    expect(document.title).toBe('Shop');
  });

  it('leave the title alone by default', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    document.title = 'Shop';
    const ui = await mountUI();
    setVisibility(document, 'hidden');
    ui.server.say('Hello?');
    await flush();
    vi.advanceTimersByTime(5000);
    expect(document.title).toBe('Shop');
  });

  it('beep when a message arrives while the chat is closed, with sound', async () => {
    const beeps = fakeAudio();
    const ui = await mountUI({ sound: true });
    ui.server.say('Hello?');
    await flush();
    expect(beeps).toHaveLength(1);
    await ui.open();
    ui.server.say('Still there?');
    await flush();
    // Open and visible: the visitor sees it, no sound.
    expect(beeps).toHaveLength(1);
  });

  it('beep once for an auto message, which comes as message_received and auto_message', async () => {
    const beeps = fakeAudio();
    const ui = await mountUI({ sound: true });
    ui.server.push({
      t: 'rules',
      rules: [
        {
          id: 'hi',
          text: 'Need help?',
          frequency: 'visit',
          conditions: [{ type: 'event', name: 'go' }],
        },
      ],
    });
    await flush();
    const got: string[] = [];
    ui.widget.on('message_received', () => got.push('message_received'));
    ui.widget.on('auto_message', () => got.push('auto_message'));
    ui.widget.exec(['trigger', 'go']);
    await vi.waitFor(() => expect(got).toEqual(['message_received', 'auto_message']));
    expect(beeps).toHaveLength(1);
  });

  it('stay silent by default', async () => {
    const beeps = fakeAudio();
    const ui = await mountUI();
    ui.server.say('Hello?');
    await flush();
    expect(beeps).toHaveLength(0);
  });

  it('mark messages read when the visitor comes back to a tab with the chat open', async () => {
    const ui = await mountUI();
    await ui.open();
    setVisibility(document, 'hidden');
    ui.server.say('While you were away');
    await flush();
    expect(ui.widget.state.unread).toBe(1);
    setVisibility(document, 'visible');
    await flush();
    expect(ui.widget.state.unread).toBe(0);
  });
});
