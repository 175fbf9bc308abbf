// `npm start`: builds what is missing, then serves the demo site on HOST:PORT and prints its URL.
// Until the reference server lands, the pages talk to the in-memory playground (a scripted agent
// in the page itself), so the command API and the core can be tried with no back end.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const PORT = Number(process.env.PORT || 8080);
const HOST = process.env.HOST || '127.0.0.1';

/** Newest modification time under a folder (to know whether dist/ is stale). */
function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const outputs = ['widget.js', 'playground.js', 'loader.js'].map((f) => join(dist, f));
const built = outputs.every(existsSync) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
if (built < Math.max(newest(join(root, 'src')), statSync(join(root, 'demo', 'playground.ts')).mtimeMs)) {
  console.log('Building dist/ …');
  execFileSync(process.execPath, [join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c'], {
    cwd: root,
    stdio: 'inherit',
  });
}

const { buildSnippet } = await import(pathToFileURL(join(dist, 'loader.js')).href);
const template = readFileSync(join(root, 'demo', 'site', 'page.html'), 'utf8');
const PAGES = {
  '/': ['Home', 'Welcome to the Acme demo shop. Browse around: the widget follows you from page to page.'],
  '/pricing': ['Pricing', 'Free, Standard and Pro plans. Stay 20 seconds on this page and an auto message appears.'],
  '/contact': ['Contact', 'Write to us through the chat: the demo agent answers.'],
};
const snippet = buildSnippet('/widget.js', { key: 'demo' });
const page = (title, lead) =>
  template.replaceAll('{{title}}', title).replace('{{lead}}', lead).replace('{{snippet}}', snippet);
const FILES = {
  '/widget.js': [join(dist, 'widget.js'), 'text/javascript'],
  '/playground.js': [join(dist, 'playground.js'), 'text/javascript'],
  '/console.js': [join(root, 'demo', 'site', 'console.js'), 'text/javascript'],
  '/demo.css': [join(root, 'demo', 'site', 'demo.css'), 'text/css'],
};

const server = createServer((req, res) => {
  const path = new URL(req.url || '/', 'http://x').pathname;
  const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (PAGES[path]) {
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    return res.end(page(...PAGES[path]));
  }
  const file = FILES[path];
  if (file && existsSync(file[0])) {
    res.writeHead(200, { ...headers, 'content-type': file[1] + '; charset=utf-8' });
    return res.end(readFileSync(file[0]));
  }
  res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
  res.end('Not found');
});

server.on('error', (e) => {
  console.error(`Cannot listen on ${HOST}:${PORT}: ${e.message}. Set PORT to a free port.`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  const base = `http://${HOST}:${server.address().port}`;
  console.log(`visitor-chat demo running (in-memory playground, scripted agent)`);
  console.log(`  Demo site:  ${base}/`);
  console.log(`  Agent page: not yet — it arrives with the reference server`);
  console.log('Press Ctrl+C to stop.');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
