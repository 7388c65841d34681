#!/usr/bin/env node
/**
 * Mutation testing by hand-written single-line mutations (issue #20): copies the repository to
 * a scratch directory, applies each mutation of scripts/mutations.json ONE AT A TIME, rebuilds
 * (tsc, incremental; the full build when the mutated file is under assembly/), runs the test
 * files the mutation names, restores the file, and reports caught / missed / not applicable.
 *
 *   npm run mutate                                  # the whole list
 *   npm run mutate -- --only resume-weights,crc-minus-1
 *   npm run mutate -- --without test/train/resumeExact.test.ts,test/io/safetensorsEdge.test.ts
 *   npm run mutate -- --list other.json --report out.json --keep
 *
 * --without drops test files from every mutation (to score the suite without them); a mutation
 * left with no test file is missed. A mutation whose search text is not found exactly once is
 * NOT APPLICABLE: the code moved, and the list needs that entry updated. See docs/testing.md.
 * The working tree is never touched: everything happens in the scratch copy.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_TIMEOUT_S = 180;

function usage(message) {
  process.stderr.write(`mutate: ${message}\nusage: npm run mutate -- [--only ID,...] [--without TEST,...] [--list FILE] [--report FILE] [--keep]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { only: null, without: [], list: join(repo, 'scripts', 'mutations.json'), report: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--only') args.only = value().split(',').filter(Boolean);
    else if (flag === '--without') args.without = value().split(',').filter(Boolean).map((t) => t.replace(/^\.\//, ''));
    else if (flag === '--list') args.list = resolve(value());
    else if (flag === '--report') args.report = resolve(value());
    else if (flag === '--keep') args.keep = true;
    else usage(`unknown option ${flag}`);
  }
  return args;
}

/** Reads and checks the list: every entry names its file, search text, replacement and test files. */
function readList(path) {
  let list;
  try {
    list = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    usage(`cannot read the mutation list ${path}: ${error.message}`);
  }
  const mutations = Array.isArray(list) ? list : list.mutations;
  if (!Array.isArray(mutations)) usage(`${path}: expected { "mutations": [...] }`);
  const ids = new Set();
  for (const [i, m] of mutations.entries()) {
    const where = `${path}: mutation ${i} (${m?.id ?? 'no id'})`;
    for (const key of ['id', 'file', 'search', 'replace', 'description']) if (typeof m?.[key] !== 'string') usage(`${where}: "${key}" must be a string`);
    if (!Array.isArray(m.tests) || m.tests.length === 0 || !m.tests.every((t) => typeof t === 'string' && t.endsWith('.test.ts'))) usage(`${where}: "tests" must list test/*.test.ts files`);
    if (m.search.length === 0 || m.search === m.replace) usage(`${where}: the search text must be non-empty and differ from the replacement`);
    if (ids.has(m.id)) usage(`${where}: duplicate id`);
    ids.add(m.id);
  }
  return mutations;
}

/** The files git would commit (tracked, plus untracked ones not ignored): no node_modules, dist, build or runs. */
function sourceFiles() {
  const r = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr.trim()}`);
  const skip = /^(node_modules|dist|build|runs)(\/|$)/;
  return r.stdout.split('\0').filter((f) => f && !skip.test(f) && existsSync(join(repo, f)));
}

function run(command, args, cwd, timeoutSeconds) {
  const started = performance.now();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutSeconds * 1000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, timedOut: r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM', output: `${r.stdout ?? ''}${r.stderr ?? ''}`, seconds: (performance.now() - started) / 1000 };
}

const tsc = (scratch) => run(process.execPath, [join(scratch, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.mutate.tsbuildinfo'], scratch, 600);
const wasmBuild = (scratch) => run('npm', ['run', '--silent', 'build:wasm'], scratch, 600);
const compiled = (test) => join('dist', test.replace(/\.ts$/, '.js'));
const lastLines = (text, n) => text.trim().split('\n').slice(-n).map((l) => `      | ${l}`).join('\n');

function main() {
  const args = parseArgs(process.argv.slice(2));
  let mutations = readList(args.list);
  if (args.only) {
    const unknown = args.only.filter((id) => !mutations.some((m) => m.id === id));
    if (unknown.length) usage(`--only: no mutation ${unknown.join(', ')} in ${args.list}`);
    mutations = mutations.filter((m) => args.only.includes(m.id));
  }
  const missingTests = [...new Set(mutations.flatMap((m) => m.tests))].filter((t) => !existsSync(join(repo, t)) && !args.without.includes(t));
  if (missingTests.length) usage(`test files named in the list do not exist: ${missingTests.join(', ')} (fix ${relative(repo, args.list)})`);

  const scratch = mkdtempSync(join(tmpdir(), 'a3c-mutate-'));
  const started = performance.now();
  console.log(`mutate: ${mutations.length} mutations, scratch copy ${scratch}${args.without.length ? `, without ${args.without.join(', ')}` : ''}`);
  for (const f of sourceFiles()) {
    mkdirSync(dirname(join(scratch, f)), { recursive: true });
    cpSync(join(repo, f), join(scratch, f));
  }
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(scratch, 'node_modules'), 'dir');

  // A clean build and every test file passing first: a test that fails unmutated proves nothing.
  for (const step of [wasmBuild, tsc]) {
    const r = step(scratch);
    if (r.status !== 0) throw new Error(`the unmutated build failed in ${scratch}:\n${lastLines(r.output, 20)}`);
  }
  const wasmFiles = ['kernels.wasm', 'kernels-fma.wasm', 'optimizer.wasm', 'grayArea.wasm'];
  const pristineWasm = new Map(wasmFiles.map((f) => [f, readFileSync(join(scratch, 'build', f))]));
  const testsFor = (m) => m.tests.filter((t) => !args.without.includes(t));
  const allTests = [...new Set(mutations.flatMap(testsFor))].sort();
  const baseline = run(process.execPath, ['--test', ...allTests.map(compiled)], scratch, 1200);
  if (baseline.status !== 0) throw new Error(`the listed test files fail on the unmutated code (${allTests.join(' ')}):\n${lastLines(baseline.output, 30)}`);
  console.log(`mutate: build and ${allTests.length} test files pass unmutated (${baseline.seconds.toFixed(0)} s of tests)\n`);

  const results = [];
  for (const [index, m] of mutations.entries()) {
    const label = `[${String(index + 1).padStart(2)}/${mutations.length}] ${m.id}`;
    const path = join(scratch, m.file);
    const original = existsSync(path) ? readFileSync(path, 'utf8') : null;
    const matches = original === null ? 0 : original.split(m.search).length - 1;
    if (matches !== 1) {
      const why = original === null ? `${m.file} does not exist` : `the search text occurs ${matches} times in ${m.file} (it must occur exactly once)`;
      results.push({ id: m.id, outcome: 'not-applicable', why });
      console.log(`${label}: NOT APPLICABLE: ${why}: UPDATE THIS ENTRY in ${relative(repo, args.list)}`);
      continue;
    }
    const tests = testsFor(m);
    if (tests.length === 0) {
      results.push({ id: m.id, outcome: 'missed', why: 'no test file left (--without)' });
      console.log(`${label}: MISSED (no test file left)`);
      continue;
    }
    const t0 = performance.now();
    writeFileSync(path, original.replace(m.search, () => m.replace));
    let outcome, why;
    try {
      const wasm = m.file.startsWith('assembly/');
      const build = wasm ? wasmBuild(scratch) : { status: 0, output: '' };
      const types = build.status === 0 ? tsc(scratch) : build;
      if (build.status !== 0) { outcome = 'caught'; why = 'the wasm build failed'; }
      else {
        // tsc still emits JavaScript on a type error; the tests then run on it, as they would.
        const r = run(process.execPath, ['--test', ...tests.map(compiled)], scratch, TEST_TIMEOUT_S);
        const failed = (r.output.match(/^# fail (\d+)/m) ?? [])[1];
        if (r.timedOut) { outcome = 'caught'; why = `tests timed out after ${TEST_TIMEOUT_S} s`; }
        else if (r.status !== 0) { outcome = 'caught'; why = `${failed ?? 'some'} test(s) failed`; }
        else { outcome = 'missed'; why = 'all tests passed'; }
        if (types.status !== 0) why += '; tsc also reported a type error';
      }
    } finally {
      writeFileSync(path, original);
      if (m.file.startsWith('assembly/')) for (const [f, bytes] of pristineWasm) writeFileSync(join(scratch, 'build', f), bytes);
    }
    const seconds = (performance.now() - t0) / 1000;
    results.push({ id: m.id, file: m.file, description: m.description, outcome, why, tests, seconds: Math.round(seconds * 10) / 10 });
    console.log(`${label}: ${outcome === 'caught' ? 'caught' : 'MISSED'} (${why}; ${seconds.toFixed(1)} s) ${outcome === 'missed' ? `\n      ${m.file}: ${m.description}` : ''}`);
  }

  const count = (o) => results.filter((r) => r.outcome === o).length;
  const caught = count('caught'), missed = count('missed'), notApplicable = count('not-applicable');
  const minutes = (performance.now() - started) / 60000;
  console.log(`\nmutate: caught ${caught}, missed ${missed}, not applicable ${notApplicable} of ${results.length}; score ${caught}/${caught + missed} applicable (${minutes.toFixed(1)} min)`);
  if (missed) console.log(`missed: ${results.filter((r) => r.outcome === 'missed').map((r) => r.id).join(', ')}`);
  if (notApplicable) {
    console.log(`\n*** ${notApplicable} MUTATION(S) NOT APPLICABLE: their code moved. Update their "search" text in ${relative(repo, args.list)}: ***`);
    for (const r of results.filter((x) => x.outcome === 'not-applicable')) console.log(`***   ${r.id}: ${r.why}`);
  }
  if (args.report) writeFileSync(args.report, JSON.stringify({ date: new Date().toISOString(), without: args.without, caught, missed, notApplicable, results }, null, 2) + '\n');
  if (args.keep) console.log(`scratch copy kept: ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
  process.exitCode = notApplicable > 0 ? 1 : 0;
}

try {
  main();
} catch (error) {
  process.stderr.write(`mutate: ${error.message}\n`);
  process.exit(1);
}
