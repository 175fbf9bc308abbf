/**
 * The panel of one visitor: identity and variables, pages visited, the conversation, the
 * composer (which opens a conversation when none is open) and block / unblock.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Attachments } from './Attachments';
import { Badges, Flag } from './Badges';
import {
  displayName,
  formatDuration,
  formatTime,
  safeHref,
  variableEntries,
  visitStart,
} from './format';
import { STATUS_INFO, StateIcon } from './icons';
import { PLAN_EXPLANATION, typingOf, type Store } from './store';
import type { Message, VisitorDetail } from './types';

/** A URL as a link when it is http(s), else as plain text. */
export function UrlText({ url, text }: { url: string | null | undefined; text?: string }) {
  const href = safeHref(url);
  const shown = text || url || '';
  return href ? (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {shown}
    </a>
  ) : (
    <span class="unlinked">{shown}</span>
  );
}

function author(m: Message, d: VisitorDetail): string {
  if (m.from == 'visitor') return displayName(d);
  if (m.from == 'agent') return m.name || 'Agent';
  if (m.from == 'bot') return m.name || 'Bot';
  if (m.from == 'trigger') return 'Auto message';
  return 'System';
}

/** The visitor's country (flag and name) and local time in its time zone. */
function Location({ d, now }: { d: VisitorDetail; now: number }) {
  let local = '';
  try {
    if (d.timeZone)
      local =
        new Date(now).toLocaleTimeString([], {
          timeZone: d.timeZone,
          hour: '2-digit',
          minute: '2-digit',
        }) +
        ' local time (' +
        d.timeZone +
        ')';
  } catch {}
  if (!d.country && !local) return <>—</>;
  return (
    <>
      {d.country && (
        <>
          <Flag c={d.country} /> {d.country.name}
        </>
      )}
      {d.country && local && ' · '}
      {local}
    </>
  );
}

function Identity({ d, now }: { d: VisitorDetail; now: number }) {
  const rows: [string, ComponentChildren][] = [
    ['Name', d.name || '—'],
    ['Email', d.email || '—'],
    ['Phone', d.phone || '—'],
    ['Visitor id', <code>{d.id}</code>],
    ['On site', formatDuration(now - visitStart(d))],
    ['Visits', String(d.visits)],
    ['Page views', String(d.pageViews)],
    ['Device', [d.device, d.browser, d.os].filter(Boolean).join(' · ') || '—'],
    ['Language', d.language || '—'],
    ['Location', <Location d={d} now={now} />],
    ['Referrer', d.referrer ? <UrlText url={d.referrer} /> : '—'],
  ];
  if (d.group) rows.push(['Group', d.group]);
  if (d.rating)
    rows.push([
      'Rating',
      (d.rating.value == 'good' ? '👍 Good' : '👎 Bad') +
        (d.rating.comment ? ' — “' + d.rating.comment + '”' : ''),
    ]);
  const vars = variableEntries(d.variables, d.variableLabels);
  return (
    <>
      <section aria-labelledby="d-identity">
        <h3 id="d-identity">Identity</h3>
        <dl>
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section aria-labelledby="d-vars">
        <h3 id="d-vars">Variables</h3>
        {vars.length ? (
          <dl>
            {vars.map(([k, v], i) => (
              <div key={i}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <p class="muted">None set.</p>
        )}
      </section>
    </>
  );
}

function Pages({ d, now }: { d: VisitorDetail; now: number }) {
  const pages = d.pages.length ? d.pages : d.currentPage ? [d.currentPage] : [];
  return (
    <section aria-labelledby="d-pages">
      <h3 id="d-pages">Pages visited</h3>
      {pages.length ? (
        <ol class="pages" reversed>
          {pages
            .slice()
            .reverse()
            .map((p, i) => (
              <li key={i}>
                <UrlText url={p.url} text={p.title || p.url} />
                <span class="page-url">{p.url}</span>
                {'at' in p && typeof p.at == 'number' && (
                  <time dateTime={new Date(p.at).toISOString()}>{formatTime(p.at, now)}</time>
                )}
              </li>
            ))}
        </ol>
      ) : (
        <p class="muted">No page view recorded.</p>
      )}
    </section>
  );
}

function Conversation({ d, store }: { d: VisitorDetail; store: Store }) {
  const now = store.now.value;
  const end = useRef<HTMLLIElement>(null);
  const count = d.messages.length;
  useEffect(() => end.current?.scrollIntoView?.({ block: 'nearest' }), [count]);
  return (
    <section aria-labelledby="d-chat" class="chat">
      <h3 id="d-chat">Conversation {d.chatting ? '' : '(none open)'}</h3>
      {count ? (
        // Scrolls on its own: a tab stop, so the keyboard scrolls it in every browser (Chromium
        // makes such a box focusable itself; Safari does not).
        <ol class="messages" tabIndex={0} aria-labelledby="d-chat">
          {d.messages.map((m, i) => (
            <li key={m.id} class={'msg from-' + m.from} ref={i == count - 1 ? end : undefined}>
              <span class="msg-head">
                <strong>{author(m, d)}</strong>{' '}
                <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at, now)}</time>
              </span>
              {m.text && <span class="msg-text">{m.text}</span>}
              {m.attachments && <Attachments list={m.attachments} read={store.file} />}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No messages yet.</p>
      )}
      {/* A live region, always there (one added with its text is often not read out): a
          screen reader hears that the visitor is writing, as the agent sees it. */}
      <p class="typing" role="status">
        {(typingOf(store.typing.value, d.id) ?? d.typing) && displayName(d) + ' is typing…'}
      </p>
    </section>
  );
}

/**
 * What the agent was writing to each visitor and has not sent, per page (its store): kept when
 * the panel closes (Escape, another visitor) and back when it opens again for that visitor.
 */
const draftsOf = new WeakMap<Store, Map<string, string>>();

function Composer({ d, store }: { d: VisitorDetail; store: Store }) {
  const drafts = draftsOf.get(store) ?? draftsOf.set(store, new Map()).get(store)!;
  const [hint, setHint] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const opening = !d.chatting;
  const offline = !d.online;
  const refused = d.blocked
    ? 'This visitor is blocked: unblock to chat.'
    : opening && !store.canOpen.value
      ? PLAN_EXPLANATION
      : offline && opening
        ? 'This visitor has left the website.'
        : '';
  async function submit(e: Event) {
    e.preventDefault();
    if (store.busy.value) return;
    const el = input.current;
    const t = (el?.value || '').trim();
    if (!t) {
      setHint('Write a message first.');
      el?.focus();
      return;
    }
    setHint('');
    if ((await store.send(t)) && el) {
      el.value = '';
      drafts.delete(d.id);
    }
  }
  return (
    <form class="composer" onSubmit={submit} aria-labelledby="d-compose">
      <label id="d-compose" for="composer-text">
        {opening ? 'Open a conversation with a first message' : 'Reply'}
      </label>
      <textarea
        id="composer-text"
        ref={input}
        rows={3}
        maxLength={4000}
        defaultValue={drafts.get(d.id) || ''}
        onInput={(e) => {
          const text = e.currentTarget.value;
          if (text) drafts.set(d.id, text);
          else drafts.delete(d.id);
        }}
        disabled={!!refused}
        aria-describedby={refused || hint ? 'composer-why' : undefined}
        placeholder={
          opening ? 'Hi! Can I help you find something?' : 'Write a reply… (Shift+Enter: new line)'
        }
        onKeyDown={(e) => {
          // Enter sends, as in the visitor's widget; Shift+Enter is a new line. Not while an
          // input method composes (its Enter picks a word), nor while a send is on its way.
          if (e.key == 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void submit(e);
          }
        }}
      />
      <div class="composer-bar">
        {!opening && (
          <label class="attach">
            Attach a file
            <input
              type="file"
              disabled={!!refused}
              aria-disabled={store.busy.value || undefined}
              onClick={(e) => store.busy.value && e.preventDefault()}
              onChange={(e) => {
                const el = e.currentTarget;
                const f = el.files?.[0];
                if (f) void store.sendFile(f).then(() => (el.value = ''));
              }}
            />
          </label>
        )}
        {/* Always there, so that a hint is announced when it appears (a live region added
            with its text is not). */}
        <p id="composer-why" class="why" role="status">
          {refused || hint}
        </p>
        {/* Busy is aria-disabled, not disabled: a disabled button drops the keyboard focus to
            the page, and an agent working by keyboard would start again from the top. */}
        <button
          type="submit"
          class="primary"
          disabled={!!refused}
          aria-disabled={store.busy.value || undefined}
        >
          {opening ? 'Open a conversation' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** The panel, for the selected visitor; Escape or "Close" goes back to the list. */
export function DetailPanel({ store }: { store: Store }) {
  const d = store.detail.value;
  const heading = useRef<HTMLHeadingElement>(null);
  const id = d?.id;
  useEffect(() => {
    if (id) heading.current?.focus();
  }, [id]);
  if (!d) return null;
  const now = store.now.value;
  function close() {
    const doc = heading.current?.ownerDocument;
    const id = d!.id;
    store.select(null);
    // Back to the row this panel came from, once the list shows again (a narrow screen hides it
    // behind the panel, and a hidden row cannot take the focus); when the row has left the
    // loaded list (a reply sorted it past them, an unblock moved it off the Blocked tab), the
    // list's own tab stop, else the list panel: never the page.
    setTimeout(() =>
      (
        [...(doc?.querySelectorAll<HTMLElement>('.row[data-id]') || [])].find(
          (r) => r.dataset.id == id,
        ) ||
        doc?.querySelector<HTMLElement>('.row[tabindex="0"]') ||
        doc?.getElementById('visitor-panel')
      )?.focus(),
    );
  }
  return (
    <aside
      class="detail"
      aria-labelledby="d-title"
      onKeyDown={(e) => {
        if (e.key == 'Escape') close();
      }}
    >
      <header class="detail-head">
        {/* Two buttons, one shown at a time, each where it is seen, so that Tab meets it there:
            "← Back to the list" above the name where the panel takes the list's place (narrow
            screens), "Close" last, beside Block. One button moved up by CSS came after Block. */}
        <button type="button" class="close back" onClick={close}>
          ← Back to the list
        </button>
        <StateIcon status={d.status} />
        <h2 id="d-title" tabIndex={-1} ref={heading}>
          {displayName(d)}
        </h2>
        <Badges v={d} />
        <button
          type="button"
          class={'block' + (d.blocked ? '' : ' danger')}
          aria-disabled={store.busy.value || undefined}
          onClick={() => store.busy.value || store.toggleBlock()}
        >
          {d.blocked ? 'Unblock' : 'Block'}
        </button>
        <button type="button" class="close shut" onClick={close}>
          Close
        </button>
      </header>
      <p class="status-line">
        {(STATUS_INFO[d.status] || STATUS_INFO.idle)[0]}
        {d.online ? '' : ' · left the website'}
        {d.currentPage && (
          <>
            {' · on '}
            <UrlText url={d.currentPage.url} text={d.currentPage.title || d.currentPage.url} />
          </>
        )}
      </p>
      {store.detailError.value && (
        <p class="error" role="alert">
          {store.detailError.value}
        </p>
      )}
      <div class="detail-body">
        <div class="detail-chat">
          <Conversation d={d} store={store} />
          {store.actionError.value && (
            <p class="error" role="alert">
              {store.actionError.value}
            </p>
          )}
          <Composer key={d.id} d={d} store={store} />
        </div>
        <div class="detail-info">
          <Identity d={d} now={now} />
          <Pages d={d} now={now} />
        </div>
      </div>
    </aside>
  );
}
