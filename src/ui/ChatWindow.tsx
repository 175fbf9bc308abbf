import type { ComponentChildren, Ref } from 'preact';
import type { ChatMessage } from '../core/state';
import type { Strings } from './i18n';
import { CloseIcon } from './icons';
import { MessageList } from './MessageList';

/** Props of {@link ChatWindow}. */
export interface ChatWindowProps {
  t: Strings;
  lang: string;
  messages: ChatMessage[];
  agentsOnline: boolean;
  agentTyping: boolean;
  /** Connection notice, or null when connected. */
  banner: string | null;
  /** A full-screen modal (small screens) rather than a floating, non-modal dialog. */
  modal: boolean;
  dialogRef: Ref<HTMLDivElement>;
  /** Older messages exist on the server / are on their way (see MessageList). */
  older: boolean;
  loadingOlder: boolean;
  onOlder(): void;
  onClose(): void;
  onRetry(cid: string): void;
  onReply(message: ChatMessage, value: string): void;
  /** The composer or the contact form. */
  children: ComponentChildren;
  /** The header's options menu (ui/ChatMenu.tsx). */
  menu?: ComponentChildren;
  /** Between the conversation and the composer: uploads, the rating, the drop target. */
  below?: ComponentChildren;
}

/** Up to two initials of a display name: "Eva Nováková" → "EN". */
export const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');

/**
 * Who the visitor is talking to: the name on the latest agent message, or while no agent has
 * written, on the latest bot message (a bot chiming in does not hide the human serving the chat).
 * Agents who wrote without a name leave no name to show, and not the bot's either.
 */
export function lastAgentName(messages: ChatMessage[]): string | undefined {
  let bot: string | undefined;
  let agent = false;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.from == 'agent') {
      if (m.name) return m.name;
      agent = true;
    }
    if (m.from == 'bot') bot ||= m.name;
  }
  return agent ? undefined : bot;
}

/**
 * The chat window: a labelled dialog with a header (who answers, online or away, close), a
 * connection banner, the conversation and, below it, the composer or the contact form.
 */
export function ChatWindow(p: ChatWindowProps) {
  const { t } = p;
  const agent = lastAgentName(p.messages);
  return (
    <div
      id="vc-w"
      class="win"
      role="dialog"
      aria-labelledby="vc-t"
      aria-modal={p.modal || undefined}
      ref={p.dialogRef}
    >
      {/* Not a <header>: outside an article or section it is the page's banner landmark, and
          the host page has its own. */}
      <div class="hd">
        <span class="av" aria-hidden="true">
          {agent ? initials(agent) : <span class="ic" />}
        </span>
        <div class="tt">
          <h2 id="vc-t">{agent || t.title}</h2>
          <p class="st">
            <i class={p.agentsOnline ? 'on' : undefined} />
            {p.agentsOnline ? t.online : t.offline}
          </p>
        </div>
        {p.menu}
        <button type="button" class="x" aria-label={t.close} onClick={p.onClose}>
          <CloseIcon />
        </button>
      </div>
      {/* Always there, empty (and unseen) but for its text: a live region added with its text
          in it is often not read out. */}
      <p class="bn" role="status">
        {p.banner}
      </p>
      <MessageList
        messages={p.messages}
        // Only agents type: a bot's name (the header's while no agent has written) is not theirs.
        typing={
          p.agentTyping ? lastAgentName(p.messages.filter((m) => m.from != 'bot')) || t.agent : null
        }
        t={t}
        lang={p.lang}
        now={Date.now()}
        older={p.older}
        loadingOlder={p.loadingOlder}
        onOlder={p.onOlder}
        onRetry={p.onRetry}
        onReply={p.onReply}
      />
      {p.below}
      {p.children}
    </div>
  );
}
