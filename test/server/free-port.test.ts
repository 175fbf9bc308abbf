import { expect, it } from 'vitest';
import { startOnFreePort } from '../helpers/free-port';

it('starts a test service again on another port when its port was taken before the bind', async () => {
  const tried: number[] = [];
  const started = await startOnFreePort(async (port) => {
    tried.push(port);
    if (tried.length < 3) throw new Error('could not bind IPv4 address: Address already in use');
    return port;
  });
  expect(tried).toHaveLength(3);
  expect(started).toBe(tried[2]);
  for (const p of tried) expect(p).toBeGreaterThan(0);
});

it('fails at once on any other start error, and after 5 taken ports', async () => {
  let calls = 0;
  await expect(
    startOnFreePort(async () => {
      calls++;
      throw new Error('postgres exited: FATAL: data directory has wrong ownership');
    }),
  ).rejects.toThrow('wrong ownership');
  expect(calls).toBe(1);
  calls = 0;
  await expect(
    startOnFreePort(async () => {
      calls++;
      throw new Error('bind: Address already in use');
    }),
  ).rejects.toThrow('Address already in use');
  expect(calls).toBe(5);
});
