import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../src/envs/env.js';
import { agentFactory, getPreset } from '../../src/presets.js';
import { buildTrainConfig } from '../../src/runConfig.js';
import { UsageError } from '../../src/settings/errors.js';
import { describeProtocol, protocolSettings, type EvalProtocol } from '../../src/train/evaluate.js';
import { RandomStartSteps } from '../../src/wrappers/atari.js';

const cli = fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

function breakoutUnder(protocol: EvalProtocol, seed = 4): Env {
  const config = buildTrainConfig('breakout', { net: 'small', workers: 1 });
  return getPreset('breakout').makeEnv(seed, protocolSettings(agentFactory, config, protocol), 'eval');
}

function startLayer(env: Env): RandomStartSteps<unknown> {
  for (let layer: unknown = env; layer; layer = (layer as { env?: unknown }).env) if (layer instanceof RandomStartSteps) return layer;
  throw new Error('no random starts in the chain');
}

test('by default an evaluation plays the run\'s own Breakout: 1-30 FIRE starts, 108000 frames, no sticky actions', () => {
  const env = breakoutUnder({});
  assert.deepEqual(describeProtocol(env, false), { policy: 'sample', random_starts: { action: 'FIRE', max: 30 }, max_episode_frames: 108000, sticky_actions: 0 });
});

test('--noop-max N starts every episode with 1..N no-ops', () => {
  const env = breakoutUnder({ noopMax: 5 });
  assert.deepEqual(describeProtocol(env, true).random_starts, { action: 'NOOP', max: 5 });
  const starts = new Set<number>();
  env.reset({ seed: 9 });
  for (let i = 0; i < 30; i++) {
    starts.add(startLayer(env).lastStartSteps);
    env.reset();
  }
  assert.ok([...starts].every((n) => n >= 1 && n <= 5), `start steps ${[...starts]}`);
  assert.ok(starts.size >= 3, `random counts, not one: ${[...starts]}`);
});

test('--max-episode-frames cuts the episode at that many emulator frames (frame skip 4)', () => {
  const env = breakoutUnder({ maxEpisodeFrames: 200, noopMax: 1 });
  env.reset({ seed: 1 });
  let steps = 0;
  for (;;) {
    const s = env.step(0);
    steps++;
    if (s.terminated || s.truncated) {
      assert.equal(s.truncated, true);
      break;
    }
    assert.ok(steps < 100, 'no cut after 100 agent steps');
  }
  // 1 no-op start step + `steps` agent steps, 4 frames each, reach the 200th frame.
  assert.equal((1 + steps) * 4, 200);
  assert.equal(describeProtocol(env, false).max_episode_frames, 200);
});

test('--sticky-actions reaches the game; CartPole refuses the Atari-only flags with one line', () => {
  assert.equal(describeProtocol(breakoutUnder({ stickyActions: 0.25 }), false).sticky_actions, 0.25);
  const cartpole = buildTrainConfig('cartpole', { workers: 1 });
  assert.deepEqual(describeProtocol(getPreset('cartpole').makeEnv(0, protocolSettings(agentFactory, cartpole, {}), 'eval'), true),
    { policy: 'greedy', random_starts: null, max_episode_frames: null, sticky_actions: null });
  for (const [protocol, flag] of [[{ noopMax: 30 }, '--noop-max'], [{ maxEpisodeFrames: 108000 }, '--max-episode-frames'], [{ stickyActions: 0.25 }, '--sticky-actions']] as [EvalProtocol, string][]) {
    assert.throws(() => protocolSettings(agentFactory, cartpole, protocol), (e: Error) => e instanceof UsageError && e.message.startsWith(`${flag}: cartpole has no `) && !e.message.includes('\n'));
  }
});

test('a3c eval --json echoes the protocol it played under; bad protocol values exit 2', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'a3c-eval-protocol-')), 'run');
  const t = run('train', 'breakout', '--net', 'small', '--workers', '1', '--max-steps', '10', '--run-dir', dir, '--quiet');
  assert.equal(t.status, 0, t.stderr);
  const e = run('eval', dir, '--episodes', '2', '--noop-max', '30', '--max-episode-frames', '400', '--sticky-actions', '0.25', '--policy', 'greedy', '--json');
  assert.equal(e.status, 0, e.stderr);
  const result = JSON.parse(e.stdout);
  assert.equal(result.episodes, 2);
  assert.deepEqual(result.protocol, { policy: 'greedy', random_starts: { action: 'NOOP', max: 30 }, max_episode_frames: 400, sticky_actions: 0.25 });
  const human = run('eval', dir, '--episodes', '1', '--max-episode-frames', '400');
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^protocol: sampled actions, 1-30 FIRE starts, episodes cut at 400 frames, sticky actions 0$/m);
  for (const [args, pattern] of [
    [['--noop-max', '0'], /^a3c: --noop-max: expected an integer in 1\.\.1000 \(got "0"\)$/],
    [['--sticky-actions', '1'], /^a3c: --sticky-actions: expected a number in \[0, 1\) \(got "1"\)$/],
    [['--policy', 'argmax'], /--policy.*argmax/],
    [['--greedy', '--policy', 'sample'], /^a3c: --greedy contradicts --policy sample/],
  ] as [string[], RegExp][]) {
    const r = run('eval', dir, '--episodes', '1', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
});
