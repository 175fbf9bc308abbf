/**
 * Debian's nginx in front of test servers, configured with the files docs/DEPLOY.md tells
 * operators to install (docs/nginx/), so the documented configuration is the tested one. Plain
 * HTTP on a free 127.0.0.1 port (TLS is nginx's own business). Missing binary: skipped loudly,
 * or a failure under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v']).status === 0);

/** Whether to run the nginx suites (see postgresAvailable). */
export function nginxAvailable(): boolean {
  if (NGINX) return true;
  const why = 'no nginx binary (apt install nginx)';
  if (process.env.CI == 'true') throw new Error(`nginx suites cannot run under CI: ${why}`);
  console.warn(`\n!!! SKIPPING the nginx suites: ${why}\n`);
  return false;
}

/**
 * The documented configuration with `ports` as the upstream nodes, its access log in `logDir`
 * instead of /var/log/nginx.
 */
export function documentedConfig(ports: number[], logDir: string) {
  const http = readFileSync('docs/nginx/visitor-chat.conf', 'utf8');
  const nodeLine = /^( *)server 127\.0\.0\.1:8080 (.*);$/m;
  const m = nodeLine.exec(http);
  if (!m) throw new Error('docs/nginx/visitor-chat.conf has no "server 127.0.0.1:8080 …;" line');
  const nodes = ports.map((p) => `${m[1]}server 127.0.0.1:${p} ${m[2]};`).join('\n');
  const locations = readFileSync('docs/nginx/visitor-chat-locations.conf', 'utf8');
  return {
    http: http.replace(nodeLine, nodes),
    locations: locations.replaceAll(' /var/log/nginx/', ' ' + logDir + '/'),
  };
}

/** A running nginx. */
export interface TestNginx {
  url: string;
  /** What nginx wrote to its access log so far (one line per finished request). */
  accessLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx on a free port in front of the nodes on `ports`. */
export async function startNginx(ports: number[]): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-nginx-'));
  const port = await freePort();
  const { http, locations } = documentedConfig(ports, dir);
  writeFileSync(join(dir, 'visitor-chat.conf'), http);
  writeFileSync(join(dir, 'visitor-chat-locations.conf'), locations);
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${join(dir, t)};`)
    .join('\n  ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  # As Debian's /etc/nginx/nginx.conf: the \`combined\` format, unless the included files say otherwise.
  access_log ${join(dir, 'access.log')};
  ${temps}
  include ${join(dir, 'visitor-chat.conf')};
  server {
    listen 127.0.0.1:${port};
    include ${join(dir, 'visitor-chat-locations.conf')};
  }
}
`,
  );
  const proc: ChildProcess = spawn(
    NGINX!,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  // Ready when it answers (bounded: 10 s).
  for (let i = 0; ; i++) {
    if (proc.exitCode != null) throw new Error('nginx exited: ' + out);
    try {
      await fetch(url + '/healthz');
      break;
    } catch {
      if (i > 100) throw new Error('nginx did not start within 10 s: ' + out);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
    async stop() {
      if (proc.exitCode == null) {
        // SIGTERM: a fast shutdown (open sockets and streams are cut, not waited for).
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
