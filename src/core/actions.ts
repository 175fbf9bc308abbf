import type { Message, PageInfo, VariableValue } from '../protocol';
import type { AutoMessages } from './auto-messages';
import type { Actions, Listener } from './commands';
import { BLOCKED, type Delivery } from './delivery';
import { attempt } from './identity';
import type { Kernel } from './kernel';
import type { PageTracker } from './pageviews';
import { STORE_KEYS } from './store-keys';
import type { TabMessage } from './tabs';

/** What the actions need besides the kernel. */
export interface ActionDeps {
  /** The conversation, once loaded (`chat:send` runs only then: core/widget.ts). */
  delivery(): Delivery | undefined;
  /** The auto messages, once the chat layer has booted. */
  auto(): AutoMessages | undefined;
  /** The single-page-app page tracker, where there is a page. */
  pages(): PageTracker | undefined;
  /** Tells the visitor's other tabs (the kernel's tab channel). */
  share(d: TabMessage): void;
  startUI(): void;
  /** Uploads a file and sends it (the widget's `sendFile`). */
  sendFile(file: Blob): Promise<unknown>;
}

/** The actions and the one the facade also calls. */
export interface ChatActions extends Actions {
  /** Marks every message read and tells the server and the other tabs. */
  markRead(): void;
}

/**
 * A message as `on('message_sent' | 'message_received', fn)` hands it over: ours, plus the fields
 * of Smartsupp's message object that its sites' listeners read (`content.text`, `subType`, with
 * `contact` for the visitor, `type`, `createdAt` as ISO text).
 */
const smartsuppMessage = (m: Message) => ({
  ...m,
  type: 'message',
  subType: m.from == 'visitor' ? 'contact' : m.from,
  content: { type: 'text', text: m.text, data: null },
  createdAt: new Date(m.at).toISOString(),
});

/** What each command does, once its arguments are validated (commands.ts). */
export function createActions(k: Kernel, d: ActionDeps): ChatActions {
  const { config, warn, now, emitter } = k;
  const { delivery, share, startUI } = d;
  const set = k.set;
  const blockedError = () => (k.state.blocked ? BLOCKED : undefined);
  /** `translations` by the language they were given for (codes only: no prototype keys). */
  const byLang: Record<string, Record<string, string>> = {};
  /** The listener `on` subscribed for a page's message-event function (`off` needs it). */
  const wrapped = new WeakMap<Listener, Listener>();

  function markRead() {
    if (k.state.unread) set({ unread: 0 });
    k.send({ t: 'read', at: now() });
    share({ t: 'r' });
  }

  function persistAll() {
    // Without the conversation loaded there is none to write (core/widget.ts loads a stored one).
    const c = delivery();
    k.save('visitor', k.visitor);
    c?.save();
    k.save('consent', k.state.consent);
    if (k.identity) k.save('identity', k.identity);
    if (c) k.save('outbox', c.outbox.pending());
  }

  return {
    warn,
    markRead,
    identify(profile, variables, userHash) {
      const changedProfile = Object.keys(profile).length > 0;
      const v = k.visitor;
      const labels = { ...v.labels };
      let changed: Record<string, VariableValue> | undefined;
      let changedLabels: Record<string, string> | undefined;
      if (variables)
        for (const key of Object.keys(variables)) {
          const x = variables[key];
          const [value, label] = typeof x == 'object' ? [x.value, x.label] : [x];
          if (v.variables[key] === value && labels[key] === label) continue;
          (changed ||= {})[key] = value;
          // A key set again without a label loses the one it had (on the server too).
          if (label) (changedLabels ||= {})[key] = labels[key] = label;
          else delete labels[key];
        }
      k.updateVisitor({
        profile: { ...v.profile, ...profile },
        variables: changed ? { ...v.variables, ...changed } : v.variables,
        labels,
        customer: v.customer || changedProfile,
      });
      if (changedProfile || userHash)
        k.send({ t: 'id', ...profile, ...(userHash ? { userHash } : {}) });
      if (changed) k.send({ t: 'vars', vars: changed, labels: changedLabels });
    },
    group(group) {
      k.updateVisitor({ group });
      k.send({ t: 'group', group });
    },
    language(code) {
      const lang = code.toLowerCase();
      // Overrides are the current language's: another one shows its own table (or its own).
      set({ lang, translations: byLang[lang] || {} });
    },
    open() {
      if (k.state.blocked) return BLOCKED;
      if (k.state.open) return set({ visible: true });
      set({ open: true, visible: true, autoMessage: null });
      share({ t: 'w', open: true });
      startUI();
      markRead();
      // ICU starts for the window's times anyway (see kernel.ts hello).
      const timeZone =
        k.visitor.timeZone || attempt(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
      if (timeZone != k.visitor.timeZone) k.updateVisitor({ timeZone });
      k.send({ t: 'chat', open: true, timeZone, lang: k.state.lang });
      emitter.emit('chat_open', true);
    },
    close() {
      if (!k.state.open) return;
      set({ open: false });
      share({ t: 'w', open: false });
      k.send({ t: 'chat', open: false });
      emitter.emit('messenger_close', true);
    },
    show(visible) {
      return blockedError() || set({ visible });
    },
    prefill(text) {
      return blockedError() || set({ draft: text });
    },
    send: (text) => delivery()!.send(text.trim()),
    theme(theme) {
      set({ theme });
    },
    consent(kind, value) {
      // Without consent mode the switches are recorded and change nothing: Smartsupp's plugins call
      // them on every page, so that is normal use and not worth a warning.
      set({ consent: { ...k.state.consent, [kind]: value } });
      if (kind == 'marketing' && value && !k.store.persisting) {
        // Consent given: what lived in memory is written to the device from now on.
        void k.store.persist().then(persistAll);
      } else if (kind == 'marketing' && !value && config.consentModeEnabled && k.store.persisting) {
        // Consent withdrawn: wipe the device and keep going in memory.
        k.withdrawConsent(STORE_KEYS);
        persistAll();
      } else k.save('consent', k.state.consent);
    },
    logout() {
      // The identity key too: the kernel then saves the new one over it.
      void Promise.all(STORE_KEYS.map((key) => k.store.del(key).catch(() => {})))
        .then(k.resetIdentity)
        .then((id) => {
          delivery()?.outbox.clear();
          set({
            vid: id.vid,
            messages: [],
            older: false,
            loadingOlder: false,
            unread: 0,
            draft: '',
            autoMessage: null,
            open: false,
            blocked: false,
            visits: id.visits,
          });
          // Over what a delayed write of the old conversation may have put back after the wipe.
          delivery()?.save();
          // A new hello on the same connection re-binds it to the new visitor.
          if (k.state.connection == 'open') k.hello();
        });
    },
    on(event, fn) {
      if (event.startsWith('message_')) {
        const f = fn;
        wrapped.set(f, (fn = wrapped.get(f) || ((m) => f(smartsuppMessage(m as Message)))));
      }
      emitter.on(event, fn);
    },
    off(event, fn) {
      emitter.off(event, fn);
      emitter.off(event, wrapped.get(fn)!);
    },
    page(page: Partial<PageInfo>) {
      const pages = d.pages();
      if (pages) pages.record(page);
      else if (page.url) {
        k.setPage();
        k.send({
          t: 'page',
          url: page.url,
          title: page.title || '',
          referrer: page.referrer || '',
        });
      }
    },
    trigger(name) {
      d.auto()?.event(name);
    },
    translations(strings) {
      set({ translations: (byLang[k.state.lang] = { ...k.state.translations, ...strings }) });
    },
    file(f) {
      // Without the '[visitor-chat] ' of the rejection: warn adds its own.
      d.sendFile(f).catch((e: Error) => warn(e.message.slice(15)));
    },
  };
}
