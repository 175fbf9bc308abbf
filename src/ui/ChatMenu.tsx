import { useRef, useState } from 'preact/hooks';
import type { Files } from '../core/files';
import type { Strings } from './i18n';
import { MoreIcon } from './icons';

/** Props of {@link ChatMenu}. */
export interface ChatMenuProps {
  files: Files;
  t: Strings;
  /** The visitor's email, to pre-fill the transcript form. */
  email?: string;
  /** A conversation is open (End chat is offered). */
  conversation: boolean;
  /**
   * The chat server's URL: the transcript is its (download and email); without one (an npm
   * widget on a transport of its own and no `server` option) they are not offered.
   */
  server?: string;
}

/**
 * The header's options menu (a native `<details>`: keyboard and screen-reader support come with
 * it): download the transcript, have it emailed (hidden for good once the server says it sends
 * no email), end the chat.
 */
export function ChatMenu({ files, t, email, conversation, server }: ChatMenuProps) {
  const menu = useRef<HTMLDetailsElement>(null);
  const [mail, setMail] = useState<string | null>(null);
  const [noMail, setNoMail] = useState(!server);
  const [note, setNote] = useState('');
  const done = (text: string) => {
    setNote(text);
    setMail(null);
  };
  const root = () => menu.current!.getRootNode() as ParentNode;
  // Closed from inside (End chat, Escape): the focus goes back to its button, not to the page.
  const shut = () => {
    menu.current!.querySelector('summary')!.focus();
    menu.current!.open = false;
  };
  return (
    <details
      class="mn"
      ref={menu}
      onToggle={() => setNote('')}
      onKeyDown={(e) => {
        // Escape closes the menu first, and the window only after.
        if (e.key == 'Escape' && menu.current!.open) {
          shut();
          e.stopPropagation();
        }
      }}
    >
      <summary class="mo" aria-label={t.more} title={t.more}>
        <MoreIcon />
      </summary>
      <div class="mb">
        {server && (
          <button
            type="button"
            onClick={() => files.transcript(root()).catch(() => done(t.formFailed))}
          >
            {t.transcript}
          </button>
        )}
        {!noMail && (
          <button type="button" aria-expanded={mail !== null} onClick={() => setMail(email || '')}>
            {t.mailTranscript}
          </button>
        )}
        {mail !== null && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void files.emailTranscript(mail).then((r) => {
                // Failed: the form and the address stay, to send again.
                if (r == 'failed') return setNote(t.formFailed);
                // The form (and the focus in it) goes: the focus moves to its button first, or
                // to the download when email is not offered at all.
                menu
                  .current!.querySelector<HTMLElement>(
                    r == 'sent' ? '[aria-expanded]' : '.mb button',
                  )!
                  .focus();
                if (r != 'sent') setNoMail(true);
                done(r == 'sent' ? t.mailSent : t.noMail);
              });
            }}
          >
            <label for="vc-tm">{t.email}</label>
            <input
              id="vc-tm"
              type="email"
              required
              maxLength={254}
              value={mail}
              onInput={(e) => setMail(e.currentTarget.value)}
            />
            <button type="submit" class="bt">
              {t.send}
            </button>
          </form>
        )}
        {conversation && (
          <button
            type="button"
            onClick={() => {
              if (files.end()) done(t.formFailed);
              else shut();
            }}
          >
            {t.end}
          </button>
        )}
        {/* A live region while the menu is open, empty until it has something to say (one
            added with its text in it is often not read out). Not `{note}`: its '' would be a
            text node, rewritten on every render of the App, and a text change here lays the
            whole document out again per live message. */}
        <p role="status">{note || null}</p>
      </div>
    </details>
  );
}
