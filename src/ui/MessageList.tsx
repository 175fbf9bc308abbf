import { Component, type ComponentChild } from 'preact';
import type { ChatMessage } from '../core/state';
import { repliesFor, tagOf, whoOf, type RepliesScan } from './authors';
import { count, fill, type Strings } from './i18n';
import { Row } from './MessageRow';
import { dayKey, dayLabel, timeFormat } from './time';
import {
  alignRows,
  bottomTop,
  isAtBottom,
  rowAt,
  rowOffsets,
  visibleRows,
  type Rows,
} from './windowing';

/** Props of {@link MessageList}. */
export interface MessageListProps {
  messages: ChatMessage[];
  /** Name of the agent typing, or null. */
  typing: string | null;
  t: Strings;
  lang: string;
  now: number;
  /** The server holds older messages than the first one here. */
  older: boolean;
  /** A page of older messages is on its way. */
  loadingOlder: boolean;
  /** Asks for the page of older messages (the list calls it near its top). */
  onOlder(): void;
  onRetry(cid: string): void;
  onReply(message: ChatMessage, value: string): void;
}

/** Height assumed for a row never rendered, until some are measured (then their mean). */
const ROW_GUESS = 64;
/**
 * Viewport height assumed before the list is laid out: about the list's share of the window's
 * fixed 640 px (header and composer take the rest). A wrong guess costs a few rows, never a shift.
 */
const VIEW_GUESS = 520;

/** A message's row key: the client id survives the ack that gives a visitor message its id. */
const keyOf = (m: ChatMessage) => m.cid || m.id;

/**
 * The conversation: day separators, who wrote each message, times, each visitor message's
 * delivery state (with Retry when it failed), quick replies and the agent typing indicator.
 * Bot, auto (trigger) and system messages each look different from an agent's.
 *
 * Windowed: only the rows in view plus half a screen on each side (up to a whole screen while
 * live messages push the rows above out, a few at a time) are in the DOM, between two spacers as
 * high as the rows left out (measured once rendered, estimated before), so a live message costs
 * the same at 10 messages or 10,000 (`npm run bench` measures both). Scrolling
 * near the top asks for older messages; the row at the top of the view stays where it is while
 * they arrive (scroll anchoring, done here: the browser's own is off for the list). A new message
 * scrolls to the bottom only when the visitor was there already (or wrote it); otherwise a "new
 * messages" button appears.
 */
export class MessageList extends Component<MessageListProps> {
  private el: HTMLOListElement | null = null;
  /** Measured row heights by key (the source of truth when rows move: an older page). */
  private heights = new Map<string, number>();
  /** The same heights by index in the messages last rendered. */
  private rows: Rows<ChatMessage> | undefined;
  private measured = 0;
  private sum = 0;
  /**
   * Height of a row never rendered: the mean of those measured, taken again only once a quarter
   * more rows have been measured. Each change moves every offset after the first row not yet
   * measured, so a live message (one row more measured) must not change it every time.
   */
  private est = ROW_GUESS;
  private estAt = 0;
  /** Following the bottom: the visitor is there (or has not scrolled yet). */
  private stick = true;
  /** The list's scrollTop as last placed or seen here; -1 while it is not laid out. */
  private top = -1;
  /**
   * The message at the top of the view and how far the view's top is below its bubble (`dom`),
   * or below its row's top in the model when its row was not rendered. The bubble, not the row:
   * a row loses its day separator and its author's name when an older page brings the same
   * day and author above it, and the text read must not move by their height.
   */
  private anchor: [key: string, delta: number, dom: boolean] | null = null;
  /** The message elements last rendered, rows `start` to `end`. */
  private rowEls: HTMLElement[] = [];
  private view = VIEW_GUESS;
  /** Scroll position (DOM) of the model's 0: the list's padding and what sits above row 0. */
  private base = 0;
  /** What the last render drew: its rows, which of them have a day separator, the offsets. */
  private keys: string[] = [];
  private offsets: number[] = [0];
  private start = 0;
  private end = 0;
  private seps: boolean[] = [];
  private last = '';
  /** Messages that arrived below the view while the visitor was reading above. */
  private unseen = 0;
  /** Whose quick replies are offered, as last found (the next render reads only what came since). */
  private replies: RepliesScan | undefined;

  private setEl = (el: HTMLOListElement | null) => void (this.el = el);
  /**
   * The callbacks rows and buttons get: stable, reading the latest props when called, so that a
   * parent's new arrow functions neither re-render the list nor leave a row with a stale one.
   */
  private askOlder = () => this.props.onOlder();
  private retry = (cid: string) => this.props.onRetry(cid);
  private reply = (m: ChatMessage, value: string) => this.props.onReply(m, value);

  /** Scroll: where the view is, in model terms; more rows or older messages when needed. */
  private onScroll = () => {
    const el = this.el;
    if (!el) return;
    if (this.place(el)) this.forceUpdate();
    this.maybeOlder(this.top - this.base, this.view);
  };

  /** Reads where the view is (follows the bottom? which row is at its top?); whether to redraw. */
  private place(el: HTMLOListElement) {
    const top = (this.top = el.scrollTop);
    const view = (this.view = el.clientHeight || VIEW_GUESS);
    const stick = isAtBottom(top, el.clientHeight, el.scrollHeight);
    const y = top - this.base;
    const i = rowAt(this.offsets, y);
    const row = this.rowEls[i - this.start];
    // Following the bottom needs no anchor: each render puts the view back at the bottom, and a
    // scroll away from it (stick false) takes one here. Not read on every live message's scroll.
    this.anchor =
      stick || !this.keys.length
        ? null
        : row
          ? [this.keys[i]!, top - this.bubbleTop(row), true]
          : [this.keys[i]!, y - this.offsets[i]!, false];
    const o = this.offsets;
    const n = this.keys.length;
    const nearEdge =
      (this.start > 0 && y - o[this.start]! < view / 2) ||
      (this.end < n && o[this.end]! - (y + view) < view / 2);
    const changed = stick != this.stick || (stick && this.unseen > 0);
    this.stick = stick;
    if (stick) this.unseen = 0;
    return nearEdge || changed;
  }

  /** Where a message's bubble starts in the list's scrolled content. */
  private bubbleTop(row: HTMLElement) {
    const el = this.el!;
    const bb = row.querySelector('.bb') || row;
    return (
      bb.getBoundingClientRect().top - el.getBoundingClientRect().top - el.clientTop + el.scrollTop
    );
  }

  private maybeOlder(y: number, view: number) {
    const p = this.props;
    if (p.older && !p.loadingOlder && !this.stick && y < view) p.onOlder();
  }

  private toBottom = () => {
    this.stick = true;
    this.unseen = 0;
    this.forceUpdate();
    this.el?.focus();
  };

  /**
   * Only what the list shows: the App re-renders for a live-region announcement, a draft or the
   * unread count, and a render here costs a layout read (settle), so those must not reach it.
   * `now` matters only for the day labels ("Today").
   */
  shouldComponentUpdate(n: MessageListProps) {
    const p = this.props;
    return (
      n.messages !== p.messages ||
      n.typing !== p.typing ||
      n.t !== p.t ||
      n.lang !== p.lang ||
      n.older !== p.older ||
      n.loadingOlder !== p.loadingOlder ||
      dayKey(n.now) != dayKey(p.now)
    );
  }

  render({ messages, typing, t, lang, now, older, loadingOlder }: MessageListProps) {
    const el = this.el;
    // The visitor scrolled up and a render comes before the scroll event (sent with the next
    // frame): take the scroll now, or this render would put the view back at the bottom.
    if (el && this.stick && el.scrollTop < this.top - 1) this.place(el);
    const n = messages.length;
    const rows = (this.rows = alignRows(this.rows, messages, keyOf, this.heights));
    const keys = rows.keys;
    const last = n ? keys[n - 1]! : '';
    if (n && last != this.last && this.last) {
      const was = keys.lastIndexOf(this.last);
      // The visitor's own message brings the view down; others wait behind the button.
      if (messages[n - 1]!.from == 'visitor') this.stick = true;
      else if (!this.stick && was >= 0) this.unseen += n - 1 - was;
    }
    this.last = last;
    let from = rows.kept;
    if (this.measured > this.estAt * 1.25) {
      this.est = this.sum / this.measured;
      this.estAt = this.measured;
      from = 0;
    }
    // Only the rows appended since the last render are added to the offsets it left (settle
    // keeps them as the DOM has them); anything else adds them all up again.
    const offsets = rowOffsets(rows.heights, this.est, from ? this.offsets : [], from);
    const total = offsets[n]!;
    let top = bottomTop(total, this.view);
    const a = this.anchor && !this.stick ? keys.indexOf(this.anchor[0]) : -1;
    if (a >= 0) top = offsets[a]! + this.anchor![1];
    const margin = this.view / 2;
    let [start, end] = visibleRows(offsets, top, this.view, margin);
    // Rows only appended since the last render (a live message): the window's edges stay where
    // they were while they still cover the margin and reach no further than twice it. The top
    // rows then leave the DOM a few at a time, not one per message.
    if (rows.kept && this.end <= n) {
      const [wideStart, wideEnd] = visibleRows(offsets, top, this.view, 2 * margin);
      if (this.start >= wideStart && this.start <= start) start = this.start;
      if (this.end <= wideEnd && this.end >= end) end = this.end;
    }
    this.keys = keys;
    this.offsets = offsets;
    this.start = start;
    this.end = end;

    const time = timeFormat(lang);
    const withReplies = (this.replies = repliesFor(messages, this.replies)).at;
    const items: ComponentChild[] = [];
    const seps: boolean[] = (this.seps = []);
    if (older)
      items.push(
        <li class="ld" key="older">
          {loadingOlder ? (
            <span role="status">{t.loadingOlder}</span>
          ) : (
            <button type="button" onClick={this.askOlder}>
              {t.earlier}
            </button>
          )}
        </li>,
      );
    items.push(
      <li class="sp" key="top" aria-hidden="true" style={{ height: offsets[start] + 'px' }} />,
    );
    for (let i = start; i < end; i++) {
      const m = messages[i]!;
      const prev = i > 0 ? messages[i - 1] : undefined;
      const d = dayKey(m.at);
      const newDay = !prev || dayKey(prev.at) != d;
      seps.push(newDay);
      if (newDay)
        items.push(
          <li class="dy" key={'d' + d}>
            {dayLabel(m.at, now, t, lang)}
          </li>,
        );
      const who = whoOf(m, t);
      const tag = tagOf(m, t);
      // The name shows when the author changes; screen readers always hear who wrote it.
      const author = !prev || newDay ? '' : whoOf(prev, t) + prev.from;
      const showName = m.from != 'visitor' && !!who && who + m.from != author;
      items.push(
        <Row
          key={keys[i]}
          pos={i + 1}
          m={m}
          who={who}
          tag={tag}
          showName={showName}
          replies={i == withReplies}
          time={time}
          t={t}
          onRetry={this.retry}
          onReply={this.reply}
        />,
      );
    }
    items.push(
      <li
        class="sp"
        key="bottom"
        aria-hidden="true"
        style={{ height: total - offsets[end]! + 'px' }}
      />,
    );
    if (typing !== null)
      items.push(
        <li class="m a ty" key="typing">
          <div class="bb">
            <span class="sr">{fill(t.typing, { name: typing })}</span>
            <i />
            <i />
            <i />
          </div>
        </li>,
      );
    return (
      <div class="lw">
        <ol
          class="ls"
          ref={this.setEl}
          aria-label={t.messages}
          tabIndex={0}
          onScroll={this.onScroll}
        >
          {items}
        </ol>
        {this.unseen > 0 && (
          <button type="button" class="nw" onClick={this.toBottom}>
            {count(t.below, this.unseen, this.props.lang)}
          </button>
        )}
      </div>
    );
  }

  componentDidMount() {
    this.settle();
  }

  componentDidUpdate() {
    this.settle();
  }

  /**
   * After each render: measure the rows drawn (their tops, from one layout read), then put the
   * view back — at the bottom when following it, else with the anchor row where it was.
   */
  private settle() {
    const el = this.el;
    if (!el) return;
    const kids = el.children;
    // Children: [older button], top spacer, then per row [day separator] and the message.
    let c = this.props.older ? 2 : 1;
    const tops: number[] = [];
    const rowEls: HTMLElement[] = (this.rowEls = []);
    for (let i = this.start; i < this.end; i++) {
      const sep = this.seps[i - this.start];
      tops.push((kids[c] as HTMLElement | undefined)?.offsetTop ?? 0);
      rowEls.push(kids[sep ? c + 1 : c] as HTMLElement);
      c += sep ? 2 : 1;
    }
    tops.push((kids[c] as HTMLElement | undefined)?.offsetTop ?? 0);
    for (let j = 0; j + 1 < tops.length; j++) {
      const h = tops[j + 1]! - tops[j]!;
      const key = this.keys[this.start + j]!;
      const old = this.heights.get(key);
      if (h <= 0 || h == old) continue;
      if (old === undefined) this.measured++;
      this.sum += h - (old ?? 0);
      this.heights.set(key, h);
      this.rows!.heights[this.start + j] = h;
    }
    // The offsets as the DOM now has them: measured rows in the window, spacers as drawn. Not
    // from a list that is not laid out (in a hidden container every top reads 0): the next
    // render adds to these offsets rather than adding them all up again.
    const o = this.offsets;
    const s0 = this.start;
    const e0 = this.end;
    if (el.clientHeight) {
      const base = (this.base = tops[0]! - o[s0]!);
      const shift = tops[e0 - s0]! - base - o[e0]!;
      for (let i = s0; i < o.length; i++) o[i] = i <= e0 ? tops[i - s0]! - base : o[i]! + shift;
    }
    this.view = el.clientHeight || VIEW_GUESS;
    if (this.stick) el.scrollTop = el.scrollHeight;
    else if (this.anchor) {
      const [key, delta, dom] = this.anchor;
      const j = this.keys.indexOf(key) - this.start;
      if (j >= 0 && j < rowEls.length)
        el.scrollTop = (dom ? this.bubbleTop(rowEls[j]!) : tops[j]!) + delta;
    }
    this.top = el.clientHeight ? el.scrollTop : -1;
    if (!this.stick) this.maybeOlder(this.top - this.base, this.view);
  }
}
