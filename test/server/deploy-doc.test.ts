import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// docs/DEPLOY.md's snippets are what operators paste: the nginx files themselves are tested
// (test/server/nginx.test.ts, test/cluster), and these checks keep the copies in the page true
// to them and pasteable.
const deploy = readFileSync('docs/DEPLOY.md', 'utf8');
const blocks = (lang: string) =>
  [...deploy.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

/** An upstream block's lines other than its `server` lines, comments left out. */
const upstreamRest = (text: string) =>
  text
    .match(/upstream visitor_chat \{[\s\S]*?\}/)![0]
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('server '));

describe('docs/DEPLOY.md', () => {
  it('lists nodes in upstream blocks that are the tested file’s but for their server lines', () => {
    const tested = upstreamRest(readFileSync('docs/nginx/visitor-chat.conf', 'utf8'));
    expect(tested).toContain('hash $visitor_chat_route consistent;');
    const shown = blocks('nginx').filter((b) => b.includes('upstream visitor_chat {'));
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const b of shown) expect(upstreamRest(b)).toEqual(tested);
  });

  it('has systemd units whose comments are on lines of their own', () => {
    // systemd takes `#` as a comment only at the start of a line: a trailing one becomes part
    // of the value (an EnvironmentFile= that does not exist).
    const units = blocks('ini');
    expect(units.length).toBeGreaterThanOrEqual(2);
    for (const unit of units)
      for (const line of unit.split('\n'))
        if (/^\w+=/.test(line)) expect(line, line).not.toMatch(/\s#/);
  });
});
