// The machine the figures were measured on: CPU, cores, memory, OS, Node and Chromium.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { findChromium } from './chromium.mjs';
import { table } from './markdown.mjs';

/** Collects the environment; Chromium's version comes from its `--version`. */
export function collectEnv() {
  const cpus = os.cpus();
  let chromium = 'not found';
  const path = findChromium();
  if (path) {
    try {
      chromium = execFileSync(path, ['--version'], {
        encoding: 'utf8',
        timeout: 10_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .replace(/ built on .*/, '');
    } catch (e) {
      chromium = `${path} (version unknown: ${e.message.split('\n')[0]})`;
    }
  }
  return {
    cpu: cpus[0]?.model?.trim() || 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium,
    chromiumPath: path || null,
  };
}

/** The environment as a markdown table. */
export function renderEnv(env) {
  return table(
    ['machine', ''],
    [
      ['CPU', env.cpu],
      ['cores', env.cores],
      ['memory', `${env.memoryGB} GB`],
      ['OS', env.os],
      ['Node', env.node],
      ['Chromium', env.chromium],
    ],
    'll',
  );
}
