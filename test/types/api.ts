// Type tests: this file only has to compile. Each @ts-expect-error proves the public API
// rejects a mistake at compile time; if the mistake ever compiled, tsc would fail here.
import { createMemoryTransport, createWidget, type Widget } from '../../src/index';

const widget: Widget = createWidget({ key: 'k', transport: createMemoryTransport(), ui: false });

// Correct calls compile.
void widget.run('name', 'Ada');
void widget.run('chat:open');
void widget.run('variables', {
  plan: 'pro',
  seats: 3,
  vip: true,
  tier: { label: 'Tier', value: 2 },
});
void widget.run('theme:color', { color: '#112233', colorGradient: true });
void widget.run('on', 'message_received', (m) => m.text.toUpperCase());
void widget.run('on', 'unread', (n) => n.toFixed());
void widget.run('identify', { email: 'a@b.c', userHash: 'x' });
void widget.run('page');
widget.on('auto_message', (a) => a.rule);
void widget.run('chat:file', new Blob(['x']));
void widget.sendFile(new File(['x'], 'a.txt'));
widget.on('rating_submitted', (r) => (r.value == 'good' ? r.comment : ''));

// @ts-expect-error misspelled command
void widget.run('chat:opne');
// @ts-expect-error name needs a string
void widget.run('name', 42);
// @ts-expect-error chat:open takes no argument
void widget.run('chat:open', true);
// @ts-expect-error variables values must be string, number or boolean
void widget.run('variables', { when: new Date() });
// @ts-expect-error unknown event
void widget.run('on', 'message_recieved', () => {});
// @ts-expect-error unread listener gets a number, not a message
void widget.run('on', 'unread', (m: { text: string }) => m.text);
// @ts-expect-error chat:file takes a File or Blob, not a file name
void widget.run('chat:file', 'photo.png');
// @ts-expect-error a rating is good or bad
widget.on('rating_submitted', (r) => r.value == 'meh');
// @ts-expect-error consent is a boolean
void widget.run('marketingConsent', 'yes');
// @ts-expect-error unknown config key type
createWidget({ key: 'k', orientation: 'top' });
// Smartsupp's own keys compile: the legacy ones typed, the ignored ones as anything.
createWidget({
  key: 'k',
  ui: false,
  alignX: 'left',
  alignY: 'side',
  widget: 'button',
  gaKey: 'UA-1',
});
// @ts-expect-error alignX is a side
createWidget({ key: 'k', alignX: 'top' });
// @ts-expect-error key is required
createWidget({ ui: false });
