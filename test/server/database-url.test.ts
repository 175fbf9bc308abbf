// @vitest-environment node
/** DATABASE_URL mistakes are said in words that say what to fix, never with the password. */
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../demo/server/config';
import { databaseUrlProblem, postgresConnectError } from '../../demo/server/database-url';
import { quietLogger } from '../../demo/server/log';
import { startServer } from '../../demo/server/server';

const ENCODE = /percent-encode the special characters .*: # as %23, \/ as %2F, \? as %3F, @ as %40/;

/** A Postgres authentication message (`R`) of `kind` (10: SASL, 11: SASL continue). */
function authMessage(kind: number, body: string): Buffer {
  const head = Buffer.alloc(9);
  head.write('R', 0);
  head.writeInt32BE(8 + Buffer.byteLength(body), 1);
  head.writeInt32BE(kind, 5);
  return Buffer.concat([head, Buffer.from(body)]);
}

/** An error as the driver or Node gives it. */
const failure = (message: string, code?: string) => Object.assign(new Error(message), { code });

describe('DATABASE_URL checked with the settings', () => {
  it('takes URLs the driver reads, special characters percent-encoded or not in the way', () => {
    for (const url of [
      'postgres://chat:pw@db.internal:5432/chat',
      'postgres://chat:p%23s%2Fs%3F@db.internal:5432/chat',
      'postgresql://chat@db/chat?sslmode=require',
      // An @ or a : in the password is read right: the last @ ends it.
      'postgres://chat:p@ss:w@db.internal/chat',
    ])
      expect(databaseUrlProblem(url), url).toBeUndefined();
  });

  it('says to percent-encode when a # / ? in the password makes the URL unreadable, without the password', () => {
    for (const url of [
      'postgres://chat:pa#ss@db.internal:5432/chat',
      'postgres://chat:pa/ss@db.internal:5432/chat',
      'postgres://chat:pa?ss@db.internal:5432/chat',
      'postgres://chat:p%e9ss@db.internal/chat',
    ]) {
      const problem = databaseUrlProblem(url)!;
      expect(problem, url).toMatch(
        /^DATABASE_URL cannot be read as a URL \(.+\): percent-encode the special characters/,
      );
      expect(problem).not.toMatch(/pa.ss|p%e9ss/);
    }
    expect(() => readSettings({ DATABASE_URL: 'postgres://chat:pa#ss@db:5432/chat' })).toThrow(
      /^DATABASE_URL cannot be read as a URL .*percent/,
    );
  });
});

describe('a failed connection to DATABASE_URL', () => {
  it('says that the password is missing when the server asks for one', () => {
    const url = 'postgres://chat@db.internal:5432/chat';
    const expected =
      'DATABASE_URL has no password, and the server asks for one (postgres://user:password@host/db)';
    // scram-sha-256 (the driver's words), and md5 or password (the server's refusal).
    expect(
      postgresConnectError(
        failure('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
        url,
      ),
    ).toBe(expected);
    expect(
      postgresConnectError(
        failure('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a non-empty string'),
        'postgres://chat:@db.internal/chat',
      ),
    ).toBe(expected);
    expect(
      postgresConnectError(failure('password authentication failed for user "chat"', '28P01'), url),
    ).toBe(expected);
  });

  it('says a password was refused, with how to encode one', () => {
    const message = postgresConnectError(
      failure('password authentication failed for user "chat"', '28P01'),
      'postgres://chat:secret@db.internal/chat',
    );
    expect(message).toMatch(
      /^DATABASE_URL: Postgres refused the user name or password \(password authentication failed for user "chat"\)/,
    );
    expect(message).toMatch(ENCODE);
    expect(message).not.toContain('secret');
  });

  it('points at an unencoded character of the password when a piece of it was taken for the host', () => {
    for (const [url, cut] of [
      ['postgres://chat:12#Tr0ub4dor@db.internal:5432/chat', '#'],
      ['postgres://chat:12/Tr0ub4dor@db.internal:5432/chat', '/'],
      ['postgres://chat:12?Tr0ub4dor@db.internal:5432/chat', '?'],
    ] as const) {
      const message = postgresConnectError(failure('getaddrinfo ENOTFOUND chat', 'ENOTFOUND'), url);
      expect(message, url).toContain(
        `DATABASE_URL looks wrong: an @ comes after a ${cut}, so its password seems to hold a ${cut} that is not percent-encoded`,
      );
      expect(message).toContain('(ENOTFOUND)');
      expect(message).toMatch(ENCODE);
      expect(message).not.toMatch(/Tr0ub|12/);
    }
  });

  it("keeps the driver's words for other failures, naming DATABASE_URL", () => {
    expect(
      postgresConnectError(
        failure('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
        'postgres://chat:pw@127.0.0.1:5432/chat?application_name=web',
      ),
    ).toBe(
      'DATABASE_URL: cannot connect to or set up Postgres (connect ECONNREFUSED 127.0.0.1:5432)',
    );
  });

  it('says so at start when a server asks for a scram-sha-256 password the URL does not have', async () => {
    // Answers a startup message as Postgres does under scram-sha-256: SASL, then its first
    // challenge (the driver needs the password then).
    const sockets = new Set<Socket>();
    const fake = createServer((socket) => {
      sockets.add(socket);
      let step = 0;
      socket.on('data', () => {
        if (step++ == 0) socket.write(authMessage(10, 'SCRAM-SHA-256\0\0'));
        else socket.write(authMessage(11, 'r=abc,s=c2FsdA==,i=4096'));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const { port } = fake.address() as { port: number };
    try {
      await expect(
        startServer({
          port: 0,
          host: '127.0.0.1',
          databaseUrl: `postgres://chat@127.0.0.1:${port}/chat`,
          log: quietLogger,
        }),
      ).rejects.toThrow(
        'DATABASE_URL has no password, and the server asks for one (postgres://user:password@host/db)',
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => fake.close(r));
    }
  });
});
