import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { tableOf } from '../core/language';
import type { ChatMessage } from '../core/state';
import type { Widget } from '../core/widget';
import { AutoMessagePreview } from './AutoMessagePreview';
import { ChatWindow } from './ChatWindow';
import { Composer } from './Composer';
import { FIELDS } from './fields';
import { isRtl, strings } from './i18n';
import { Launcher } from './Launcher';
import { clean } from './clean';
import type { Tables } from './tables';
import { FilesContext } from './MessageFiles';
import { useFiles, type FilesView } from './use-files';
import { useForm, type FormLoader } from './use-form';
import { isInline, rootClass, windowVars } from './theme';
import { useMedia, useWidgetState } from './hooks';
import { PHONE } from './styles';
import { warn } from './warn';

export { DEFAULT_COLOR } from './theme';
/** What Tab can reach inside the dialog, for the focus trap of the full-screen (modal) window. */
const FOCUSABLE = 'summary,button:not(:disabled),textarea,input:not(.fi),a[href],[tabindex="0"]';
const noop = () => {};

/** Props of {@link App}. */
export interface AppProps {
  widget: Widget;
  /** The shadow root the app renders into. */
  root: ShadowRoot;
  win: Window;
  /** Where the visitor language's table comes from (English until it is loaded). */
  tables: Tables;
  /** Loads the file layer's components (a chunk of their own); no files without. */
  filesView?: () => Promise<FilesView>;
  /** Loads the contact form (a chunk of its own); asked for once it could be needed. */
  formView?: FormLoader;
}

/**
 * The whole widget: launcher, auto-message preview and chat window, positioned and themed from
 * the config and `theme:color`, in the visitor's language and direction.
 */
export function App({ widget, root, win, tables, filesView, formView }: AppProps) {
  // Own keys only, everywhere: a host page's polluted Object.prototype must not set `renderTo`,
  // `color`, a message's `name` or `replies`…
  const s = clean(useWidgetState(widget));
  const cfg = s.config;
  const doc = win.document;
  const table = tables.get(s.lang);
  const [, loaded] = useState(0);
  useEffect(() => {
    if (!table)
      tables.load(s.lang).then(
        () => loaded((n) => n + 1),
        (e) => warn('the ' + s.lang + ' strings failed to load (English meanwhile): ' + e),
      );
  }, [s.lang]);
  // A language without a table, switched to after the UI is here (`language`): said once each.
  // The one it mounted in was said before (the launcher shell's lang.js, the npm entry).
  const told = useRef<Set<string>>(null);
  useEffect(() => {
    if (!told.current) told.current = new Set([s.lang]);
    else if (!told.current.has(s.lang) && !tableOf(s.lang)) {
      told.current.add(s.lang);
      warn('language "' + s.lang + '" has no translation; showing English');
    }
  }, [s.lang]);
  const [fx, needFiles] = useFiles(widget, root, filesView);
  const [form, needFormView] = useForm(root, formView);
  const formHere = form && typeof form != 'function';
  // Unknown `translations` keys are told once the file layer's keys are known too. The contact
  // form's English comes with its chunk (its keys are known before).
  const t = useMemo(
    () =>
      strings(
        table,
        s.translations,
        fx && warn,
        fx?.view.FILES_EN,
        formHere ? form.FORM_EN : undefined,
      ),
    [table, s.translations, fx, form],
  );
  const rtl = isRtl(s.lang);
  const inline = isInline(root.host);
  const modal = useMedia(win, PHONE) && !inline;
  const launcher = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const [held, setHeld] = useState<string | null>(null);
  const live = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState<[height: number, top: number] | null>(null);
  const seen = useRef<Set<string>>(null);
  // False at first: a UI that mounts on an open chat (the launcher shell was clicked, or
  // `chat:open` loaded it) moves the focus to the composer as an opening does.
  const wasOpen = useRef(false);
  const focusBack = useRef(false);
  const hadForm = useRef(false);
  // The file layer loads with the chat window, or for a message with files (MessageFiles).
  const filesCtx = useMemo(() => ({ fx, lang: s.lang, need: needFiles }), [fx, s.lang]);
  useEffect(() => {
    if (s.open) needFiles();
  }, [s.open]);

  // ---- contact form: asked on send while needed; the message waits for it ----
  const fields = FIELDS.filter((f) => !s.profile[f]);
  const offline = !s.agentsOnline;
  const needForm =
    !s.customer &&
    (s.needsContactForm || offline) &&
    (fields.length > 0 || cfg.privacyNoticeCheckRequired);
  const showForm = held !== null && needForm;
  // The form loads once it could be needed, so that it is here when the visitor sends; one who
  // sends first sees it loading (or failing, with Retry) while the message waits.
  const formSoon = s.open && needForm;
  useEffect(() => {
    if (formSoon) needFormView();
  }, [formSoon]);

  // The held message goes out as soon as the form is no longer needed (submitted, an
  // `identify` call, or an agent came online).
  useEffect(() => {
    if (held !== null && !needForm) {
      setHeld(null);
      widget.send(held).catch(noop);
      widget.setDraft('');
    }
  }, [held, needForm]);

  const send = (text: string) => {
    // Held, it stays the draft (kept on the device) until it is sent: a visitor who leaves the
    // page before the form finds it in the composer on the next one.
    if (needForm) return setHeld(text);
    widget.send(text).catch(noop);
    // Sent with the button: the focus stays in the composer (the emptied button is disabled
    // and would drop it to the page, and a phone's keyboard with it).
    input.current?.focus();
    widget.setDraft('');
  };
  const announce = (text: string) => {
    if (live.current) live.current.textContent = text;
  };
  /** A conversation on the server: the visitor or an agent has written. */
  const talk = s.messages.some((m) => m.from == 'visitor' || m.from == 'agent');
  const reply = (m: ChatMessage, value: string) =>
    needForm ? setHeld(value) : widget.pickQuickReply(m.id, value).catch(noop);

  // ---- announcements: new agent, bot, auto and system messages, not the whole list ----
  // What was here when the UI mounted is history, but for the unread messages: the UI loads for
  // a message that arrives (a proactive one, a reply on the next page), and that one is news.
  if (!seen.current) {
    seen.current = new Set();
    let news = s.unread;
    for (let i = s.messages.length; i--;) {
      const m = s.messages[i]!;
      if (news > 0 && m.from != 'visitor') news--;
      else seen.current.add(m.id);
    }
  }
  // Layout effects here and for marking read: a plain effect waits for an animation frame, and
  // asking for one on every live message costs a frame of its own.
  useLayoutEffect(() => {
    // From the end back to the first message already seen: new messages arrive at the end (a
    // long chat is not walked whole on every message), and older pages loaded at the top are
    // history, not news.
    const list = s.messages;
    let i = list.length;
    while (i > 0 && !seen.current!.has(list[i - 1]!.id)) i--;
    for (const m of list.slice(i)) {
      seen.current!.add(m.id);
      // Written straight into the live region (as text): as state it would re-render the
      // whole App once more for every message.
      if (m.from != 'visitor' && live.current)
        live.current.textContent = (m.from == 'system' ? '' : (m.name || t.agent) + ': ') + m.text;
    }
  }, [s.messages]);

  // ---- the agent starting to type: said once, while the window is open ----
  // The typing line is no live region (one added with its text in it is often not read out):
  // its text is said here, once per start, not on every render of the list.
  useLayoutEffect(() => {
    const e = dialog.current?.querySelector('.ty');
    if (e) live.current!.textContent = e.textContent;
  }, [s.agentTyping && s.open]);

  // ---- focus: opening moves it to the composer; closing from inside returns it to the launcher ----
  // Layout effects: focus moves in the same update that opens or closes the window. A plain
  // effect runs after the next frame, which a busy or hidden page delays by hundreds of ms, and
  // a keyboard user (or a test) would meanwhile find focus nowhere.
  if (wasOpen.current && !s.open && root.activeElement) focusBack.current = true;
  useLayoutEffect(() => {
    if (s.open && !wasOpen.current) {
      const a = doc.activeElement as HTMLElement | null;
      // Opened by the site or a rule while the visitor types in the page: do not steal focus.
      const busy =
        a && a != root.host && (a.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName));
      // The composer, or the contact form's first field; never the file layer's hidden input,
      // which comes first in the window once that layer has loaded (focus would stay outside).
      if (!busy)
        dialog.current?.querySelector<HTMLElement>('textarea,input:not([type=file])')?.focus();
    } else if (!s.open && focusBack.current) {
      focusBack.current = false;
      launcher.current?.focus();
    }
    wasOpen.current = s.open;
  }, [s.open]);
  // A control that goes away with this render while it has the focus (a quick reply, the rating
  // once sent or dismissed) leaves the focus in the window: the composer, or the form's first
  // field. Read before the DOM changes; a visitor who clicked out into the page is not followed.
  const focusHere = !!(
    s.open &&
    root.activeElement &&
    dialog.current?.contains(root.activeElement)
  );
  useLayoutEffect(() => {
    if (focusHere && s.open && !root.activeElement)
      dialog.current?.querySelector<HTMLElement>('textarea,input:not([type=file])')?.focus();
  });
  useLayoutEffect(() => {
    if (hadForm.current && !showForm) input.current?.focus();
    // The composer had the focus: until the form is here (it focuses its first field), its
    // place (the loading or failed state) takes it rather than the page.
    else if (showForm && !formHere) dialog.current?.querySelector<HTMLElement>('.fm')?.focus();
    hadForm.current = showForm;
  }, [showForm]);

  useLayoutEffect(() => {
    if (s.open && s.unread && doc.visibilityState != 'hidden') widget.markRead();
  });

  // ---- full-screen: the page behind does not scroll (a finger on the header or the composer
  // would scroll it), and the on-screen keyboard's smaller visual viewport keeps the composer
  // above it ----
  useEffect(() => {
    if (!modal || !s.open) return;
    // The page root's own inline value is put back on close.
    const h = doc.documentElement.style;
    const was = h.overflow;
    h.overflow = 'hidden';
    const vv = win.visualViewport;
    const update = () => vv && setViewport([vv.height, vv.offsetTop]);
    const listen = (on: boolean) => {
      for (const e of ['resize', 'scroll'])
        vv?.[on ? 'addEventListener' : 'removeEventListener'](e, update);
    };
    update();
    listen(true);
    return () => {
      h.overflow = was;
      listen(false);
      setViewport(null);
    };
  }, [modal, s.open]);

  if (!s.visible) return null;

  const banner =
    // Refused for good, no chat server set at all (the kernel runs on no transport), or never
    // reached on this page: nothing the visitor writes can go out, and "Sending…" alone would
    // not say so.
    s.connection == 'stopped' || typeof cfg.transport != 'object' || s.reached === false
      ? t.stopped
      : s.reached && s.connection != 'open'
        ? t.reconnecting
        : null;

  const close = () => {
    focusBack.current = true;
    widget.close().catch(noop);
  };
  // The preview goes with its buttons: the focus goes to the launcher, not to the page.
  const dismiss = () => {
    widget.dismissAutoMessage();
    launcher.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    // An Escape that cancels an input method's composition (Japanese, Chinese…) is the IME's,
    // as the composer's Enter is: the window stays open.
    if (e.key == 'Escape' && !e.isComposing) {
      if (s.open) close();
      else if (s.autoMessage) dismiss();
      else return;
      e.stopPropagation();
    } else if (e.key == 'Tab' && modal && s.open && dialog.current) {
      const els = dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE);
      const first = els[0];
      const last = els[els.length - 1];
      const a = root.activeElement;
      if (e.shiftKey ? a == first : a == last) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }
  };

  // ---- theme and position, as custom properties set through the CSSOM ----
  // The contrast maths only when the theme or config changed, not on every message.
  const vars = useMemo(() => windowVars(s), [s.theme, s.config]);
  const style: Record<string, string | undefined> = {
    ...vars,
    // `initial`, not unset: the host page's own `--vh` would be inherited into the shadow root.
    '--vh': viewport ? viewport[0] + 'px' : 'initial',
    '--vt': viewport ? viewport[1] + 'px' : 'initial',
  };

  // What the window says (new messages, the agent typing, uploads). Full screen, the dialog is
  // modal and a screen reader may not read what is outside it (VoiceOver on iOS): there it is
  // inside the dialog, mounted (empty) as the window opens; elsewhere outside, as the launcher's.
  const liveRegion = <div class="sr" aria-live="polite" ref={live} />;

  return (
    <FilesContext.Provider value={filesCtx}>
      <div
        class={rootClass(s, inline)}
        dir={rtl ? 'rtl' : 'ltr'}
        lang={s.lang}
        style={style}
        onKeyDown={onKeyDown}
      >
        {s.autoMessage && !s.open && (
          <AutoMessagePreview
            message={s.autoMessage}
            t={t}
            onOpen={() => widget.open().catch(noop)}
            onDismiss={dismiss}
          />
        )}
        {s.open && (
          <ChatWindow
            t={t}
            lang={s.lang}
            messages={s.messages}
            agentsOnline={s.agentsOnline}
            agentTyping={s.agentTyping}
            banner={banner}
            modal={modal}
            dialogRef={dialog}
            older={s.older}
            loadingOlder={s.loadingOlder}
            onOlder={() => widget.loadOlder()}
            onClose={close}
            onRetry={(cid) => widget.retry(cid)}
            onReply={reply}
            menu={
              // Transcript and End chat need a conversation on the server: an auto message alone
              // (kept on the device only) is none, and a transcript of nothing would fail.
              // Without a server (an npm transport) only End chat is offered: with no
              // conversation either (bot messages alone), the menu would open empty.
              fx && s.messages.some((m) => m.from != 'trigger') && (cfg.server || talk) ? (
                <fx.view.ChatMenu
                  files={fx.files}
                  t={t}
                  email={s.profile.email}
                  conversation={talk}
                  server={cfg.server}
                />
              ) : (
                // Where the options menu comes with the file layer: the header does not move.
                <span class="mo" />
              )
            }
            below={
              fx && (
                <fx.view.Below
                  files={fx.files}
                  t={t}
                  lang={s.lang}
                  announce={announce}
                  onGone={() => input.current?.focus()}
                  win={dialog}
                  drop={!showForm}
                />
              )
            }
          >
            {showForm ? (
              formHere ? (
                <form.ContactForm
                  t={t}
                  fields={fields}
                  consent={
                    (cfg.privacyNoticeEnabled || cfg.privacyNoticeCheckRequired) && {
                      required: cfg.privacyNoticeCheckRequired,
                      url: cfg.privacyNoticeUrl,
                    }
                  }
                  offline={offline && !s.needsContactForm}
                  held={held}
                  onSubmit={(f) => widget.submitContactForm(f)}
                />
              ) : form ? (
                // The form's chunk failed to load (it goes on trying): the message still waits.
                <div class="fm" tabIndex={-1}>
                  <p class="er" role="alert">
                    {t.formFailed}
                  </p>
                  <button type="button" class="bt" onClick={form}>
                    {t.retry}
                  </button>
                </div>
              ) : (
                <div class="fm" tabIndex={-1}>
                  <p role="status">{t.loading}</p>
                </div>
              )
            ) : (
              <Composer
                draft={s.draft}
                t={t}
                lang={s.lang}
                inputRef={input}
                onDraft={(text) => widget.setDraft(text)}
                onSend={send}
                attach={
                  // Files go to the chat server: without one (an npm widget on a transport
                  // of its own and no `server` option) there is nothing to attach to.
                  !cfg.server ? undefined : fx ? (
                    <fx.view.Attach files={fx.files} t={t} announce={announce} />
                  ) : (
                    // Holds the attach button's place until the file layer is here.
                    <span class="af" />
                  )
                }
                onPaste={
                  cfg.server && fx ? fx.view.paste({ files: fx.files, t, announce }) : undefined
                }
              />
            )}
            {modal && liveRegion}
          </ChatWindow>
        )}
        <Launcher
          open={s.open}
          unread={s.unread}
          t={t}
          lang={s.lang}
          buttonRef={launcher}
          onClick={() => (s.open ? close() : widget.open().catch(noop))}
        />
        {(!modal || !s.open) && liveRegion}
      </div>
    </FilesContext.Provider>
  );
}
