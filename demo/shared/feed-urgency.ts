/**
 * Which agent feed events skip the half-second batching of the feed (issue 12): the server
 * writes them within a tenth of a second, at once on a quiet feed (demo/server/agent-feed.ts),
 * and the page applies at once those it tells the agent of (demo/agent/store.ts: the open
 * conversation's, a new chat's). A chat message is what an agent waits for; held with the rows,
 * a visitor's message took about half a second to reach the page, twice.
 */

/** Whether an event named `event` waits at most MESSAGE_WRITE_MS, with whatever waits before it. */
export const isUrgentEvent = (event: string) => event == 'message';
