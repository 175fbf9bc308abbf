// `npm test`: typecheck, unit tests, build and the browser suite in Chromium, Firefox and
// WebKit, laid out for two cores. Every step here is one process that keeps about one core
// busy, so two run at a time:
//
//   typecheck            | build
//   unit tests, then the Chromium leg | the Firefox and WebKit leg
//
// (the browser legs need the build; the unit tests, 149 s, and the Chromium leg together take
// about as long as the Firefox and WebKit leg). Each step's output is printed whole when it
// ends, then a table of the steps and their wall times. A failed step stops its lane and fails
// the run; the other lane finishes first, so one run reports every failing engine.
import { spawn } from 'node:child_process';

const npm = process.platform == 'win32' ? 'npm.cmd' : 'npm';
const step = (name, command, args, env = {}) => ({ name, command, args, env });
const legs = (leg) =>
  step(`browser tests in ${leg}`, process.execPath, ['scripts/browser-legs.mjs'], { LEGS: leg });

const phases = [
  [[step('typecheck', npm, ['run', 'typecheck'])], [step('build', npm, ['run', 'build'])]],
  [[step('unit tests', npm, ['run', 'test:unit']), legs('chromium')], [legs('firefox,webkit')]],
];

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
      results.push({ name, passed: code === 0, seconds });
      done(code === 0);
    });
  });
}

/** Runs a lane's steps one after the other, stopping at the first failure. */
async function lane(steps) {
  for (const s of steps) if (!(await run(s))) return false;
  return true;
}

const started = Date.now();
let passed = true;
for (const phase of phases) {
  passed = (await Promise.all(phase.map(lane))).every(Boolean);
  if (!passed) break;
}

console.log('\n| step | result | wall time |\n| --- | --- | --- |');
for (const r of results)
  console.log(`| ${r.name} | ${r.passed ? 'passed' : 'FAILED'} | ${r.seconds} s |`);
console.log(
  `| all | ${passed ? 'passed' : 'FAILED'} | ${Math.round((Date.now() - started) / 1000)} s |`,
);
process.exit(passed ? 0 : 1);
