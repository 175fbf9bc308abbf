// `npm test`: typecheck, unit tests, build and the browser suite in Chromium, Firefox and
// WebKit, laid out for two cores. Every step here is one process that keeps about one core
// busy, so two run at a time: typecheck beside the build, then two lanes take the rest in turn,
// longest first: the Chromium leg, the Firefox + WebKit leg, and the unit tests in whichever
// lane is free first (a fixed lane order was lopsided: when the machine is busy the unit tests
// slow down far more than the browser legs). Each step's output is printed whole when it ends,
// then a table of the steps and their wall times. Any failed step fails the run, after the
// other steps have run, so one run reports every failing engine; a failed typecheck or build
// stops it.
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

const npm = process.platform == 'win32' ? 'npm.cmd' : 'npm';
const step = (name, command, args, env = {}) => ({ name, command, args, env });
const legs = (leg) =>
  step(`browser tests in ${leg}`, process.execPath, ['scripts/browser-legs.mjs'], { LEGS: leg });

const prepare = [
  step('typecheck', npm, ['run', 'typecheck']),
  step('build', npm, ['run', 'build']),
];
const rest = [
  legs('chromium'),
  legs('firefox,webkit'),
  step('unit tests', npm, ['run', 'test:unit']),
];
const LANES = 2;

const results = [];

/** Runs one step, its output held until it ends; resolves to whether it passed. */
function run({ name, command, args, env }) {
  console.log(`--- ${name}: started`);
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(command, args, {
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => (out += String(e)));
    child.on('close', (code) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`\n===== ${name} (${seconds} s) =====\n${out}`);
      results.push({ name, passed: code === 0, seconds, out });
      done(code === 0);
    });
  });
}

/** Runs `steps` in `lanes` lanes, each lane taking the next step when it is free. */
async function pool(steps, lanes) {
  const queue = [...steps];
  const lane = async () => {
    let ok = true;
    for (let s = queue.shift(); s; s = queue.shift()) ok = (await run(s)) && ok;
    return ok;
  };
  return (await Promise.all(Array.from({ length: lanes }, lane))).every(Boolean);
}

const started = Date.now();
const passed = (await pool(prepare, LANES)) && (await pool(rest, LANES));

console.log('\n| step | result | wall time |\n| --- | --- | --- |');
for (const r of results)
  console.log(`| ${r.name} | ${r.passed ? 'passed' : 'FAILED'} | ${r.seconds} s |`);
console.log(
  `| all | ${passed ? 'passed' : 'FAILED'} | ${Math.round((Date.now() - started) / 1000)} s |`,
);
// CI keeps only the tail of the log: repeat each failed step's failure lines under the table.
const failure = /(^|\s)(FAIL|×|✗)\s|Error:|expected |Timeout|timed out|Unhandled/;
for (const failed of results.filter((r) => !r.passed)) {
  const lines = stripVTControlCharacters(failed.out)
    .split('\n')
    .filter((l) => failure.test(l));
  console.log(
    `\n${failed.name} failed:\n${lines.slice(0, 40).join('\n') || '(no failure lines found)'}`,
  );
}
process.exit(passed ? 0 : 1);
