// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FeedEventName } from '../../demo/server/event-log';
import { messageLines, timeFormat } from '../../demo/server/transcript';
import { transcriptWords } from '../../demo/server/transcript-words';
import { api, serve, visit } from './helpers';

// docs/AGENT-API.md is the agent API's contract: what an agent client reads there must be what
// the server sends. Found by an outside audit: the live feed table named three of its five
// events, and the `Visitor` type lacked `variableLabels` and typed `browser`/`os` as never null.
const agentApi = readFileSync('docs/AGENT-API.md', 'utf8');
const protocol = readFileSync('docs/PROTOCOL.md', 'utf8');

/** Every feed event the server sends (a new one fails the typecheck until it is listed here). */
const FEED: Record<FeedEventName, true> = {
  visitor: true,
  counts: true,
  message: true,
  typing: true,
  reset: true,
};

/** The event names of a doc's `| event | data |` table. */
function feedTable(doc: string): string[] {
  const start = doc.search(/^\| event +\| data/m);
  expect(start, 'a feed table').toBeGreaterThan(0);
  const rows = doc.slice(start).split('\n\n')[0]!.split('\n');
  return rows.flatMap((r) => /^\| `(\w+)`/.exec(r)?.[1] ?? []).sort();
}

/** The fields of the `interface Visitor` block, with their documented types. */
function visitorFields(): Map<string, string> {
  const block = /interface Visitor \{\n([\s\S]*?)\n\}/.exec(agentApi)![1]!;
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^ {2}(\w+)\??: (.*?);(\s*\/\/.*)?$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!);
  }
  return fields;
}

describe('docs/AGENT-API.md', () => {
  it('lists every live feed event, as docs/PROTOCOL.md does', () => {
    const names = Object.keys(FEED).sort();
    expect(feedTable(agentApi)).toEqual(names);
    expect(feedTable(protocol)).toEqual(names);
  });

  it('has a Visitor type with every field the server answers, null where it may be null', async () => {
    const s = await serve();
    // A client without a User-Agent (as `ws` connects): no browser, no OS.
    const { vid } = await visit(s.url);
    const r = await api(s, 'GET', '/api/visitors/' + vid);
    expect(r.status).toBe(200);
    const { messages, pages, ...visitor } = r.json;
    expect(messages).toBeInstanceOf(Array);
    expect(pages).toBeInstanceOf(Array);
    const fields = visitorFields();
    expect([...fields.keys()].sort()).toEqual(Object.keys(visitor).sort());
    for (const [name, value] of Object.entries(visitor))
      if (value === null) expect(fields.get(name), name).toMatch(/\bnull\b/);
    const listed = await api(s, 'GET', '/api/visitors');
    expect(Object.keys(listed.json.visitors[0]).sort()).toEqual(Object.keys(visitor).sort());
  });
});

describe('docs/PROTOCOL.md', () => {
  // Found by an outside audit: it showed transcript lines with ISO 8601 UTC times, while the
  // server writes them in the visitor's language and time zone.
  it('shows transcript lines as the server writes them, in English and in German', () => {
    const at = Date.parse('2026-12-04T16:00:05.000Z');
    const line = (lang: string, zone: string | null, from: 'visitor' | 'agent', name?: string) =>
      messageLines(
        [{ id: '1', from, text: 'text', at, ...(name && { name }) }],
        'Name',
        '',
        transcriptWords(lang),
        timeFormat(lang, zone),
        lang,
      )[0]!;
    expect(protocol).toContain('`' + line('en', null, 'visitor') + '`');
    const de = line('de', 'Europe/Berlin', 'visitor');
    expect(protocol).toContain('`' + de.slice(0, de.indexOf(']') + 1) + '`');
    expect(line('en', null, 'agent', 'Eva')).toContain('] Eva (agent): text');
    expect(protocol).toContain('`Eva (agent)`');
  });
});
