import type { Widget } from '../core/widget';
import { strings } from './i18n';
import type { Tables } from './tables';

/**
 * Notifications outside the widget, both off by default: a page-title blink while the tab is
 * hidden and messages are unread (`titleBlink`), and a short WebAudio beep when a message
 * arrives while the chat is closed or the tab hidden (`sound`; no audio file to load). Also
 * marks messages read when the visitor comes back to a tab with the chat open.
 * Returns a function that stops everything and restores the title.
 */
export function startNotifications(widget: Widget, win: Window, tables: Tables): () => void {
  const doc = win.document;
  const { titleBlink, sound } = widget.state.config;
  let timer: ReturnType<typeof setInterval> | undefined;
  let title = '';
  let audio: AudioContext | undefined;

  const stopBlink = () => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    doc.title = title;
  };

  const blink = () => {
    const s = widget.state;
    if (doc.visibilityState != 'hidden') stopBlink();
    else if (titleBlink && s.unread && timer === undefined) {
      title = doc.title;
      let on = false;
      timer = setInterval(() => {
        const n = widget.state.unread;
        on = !on && n > 0;
        doc.title = on
          ? '(' + n + ') ' + strings(tables.get(s.lang), s.translations).newMessage
          : title;
      }, 1000);
    }
  };

  const beep = () => {
    const s = widget.state;
    if (!sound || (s.open && doc.visibilityState != 'hidden')) return;
    try {
      const a = (audio ||= new (win as unknown as typeof globalThis).AudioContext());
      const osc = a.createOscillator();
      const gain = a.createGain();
      const at = a.currentTime;
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.25);
      osc.connect(gain).connect(a.destination);
      osc.start(at);
      osc.stop(at + 0.25);
    } catch {
      // No audio (no AudioContext, or autoplay refused): the badge still shows.
    }
  };

  const onVisibility = () => {
    blink();
    const s = widget.state;
    if (doc.visibilityState != 'hidden' && s.open && s.unread) widget.markRead();
  };

  doc.addEventListener('visibilitychange', onVisibility);
  const offs = [
    widget.subscribe(blink),
    // Auto messages too: they come as `message_received` before their `auto_message`.
    widget.on('message_received', beep),
  ];
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    for (const off of offs) off();
    stopBlink();
    void audio?.close();
  };
}
