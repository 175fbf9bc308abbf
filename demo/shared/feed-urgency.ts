/**
 * Which agent feed events skip the half-second batching of the feed, on both sides of the wire
 * (the server's writes, demo/server/agent-feed.ts, and the page's applies, demo/agent/store.ts):
 * a chat message is what an agent waits for, and there are few beside the row changes that the
 * batching is for. Holding messages with the rows made a visitor's message take about half a
 * second to reach the page, twice (issue 12).
 */

/** Whether an event named `event` goes at once, with whatever waits before it. */
export const isUrgentEvent = (event: string) => event == 'message';
