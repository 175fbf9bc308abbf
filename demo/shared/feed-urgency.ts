/**
 * How soon the agent feed writes an event (demo/server/agent-feed.ts). Row changes and counts
 * wait for the feed's half-second batching. A visitor's chat message is what an agent waits for
 * (issue 12: held with the rows, it took about half a second to reach the page, twice): the
 * server writes it at once, and the page (demo/agent/store.ts) applies at once those it tells
 * the agent of (the open conversation's, a new chat's). Other chat messages (an agent's, the
 * bot's, an auto message) wait a tenth of a second at most, so that a busy feed (about 35
 * messages a second at 1,000 chats, half of them the bot's) does not wake the page for each one.
 */

/** `now`: written at once; `soon`: within a tenth of a second; `batch`: with the rows. */
export type Urgency = 'now' | 'soon' | 'batch';

/** How soon a feed event named `event` goes; `message` is the event's `message` field, if any. */
export function urgencyOf(event: string, message?: unknown): Urgency {
  if (event != 'message') return 'batch';
  return (message as { from?: unknown } | null | undefined)?.from == 'visitor' ? 'now' : 'soon';
}
