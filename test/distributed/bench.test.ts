import { test } from 'node:test';
import assert from 'node:assert/strict';
import { a3c } from './loopback.js';

const stdoutOf = async (args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../../bin/a3c.js', import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  const code = await new Promise<number | string>((resolve) => child.on('exit', (c, s) => resolve(c ?? s ?? -1)));
  return { code, stdout, stderr };
};

test('a3c bench service feeds a real service from synthetic nodes and counts what each exchange carries', async () => {
  const { code, stdout, stderr } = await stdoutOf(['bench', 'service', 'cartpole', '--nodes', '2', '--seconds', '2', '--json']);
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout) as Record<string, number | string>;
  assert.equal(r.env, 'cartpole');
  assert.equal(r.nodes, 2);
  assert.ok((r.exchanges as number) > 10, `exchanges ${r.exchanges}`);
  // CartPole's MLP: 4,675 parameters -> 18.7 KB of float32 each way, plus the message framing.
  assert.ok((r.bytes_per_exchange_in as number) > 18_000 && (r.bytes_per_exchange_in as number) < 20_000, `in ${r.bytes_per_exchange_in}`);
  assert.ok((r.bytes_per_exchange_out as number) > 18_000 && (r.bytes_per_exchange_out as number) < 20_000, `out ${r.bytes_per_exchange_out}`);
  assert.ok((r.service_cpu_ms_per_exchange as number) > 0);
});

test('a3c bench nodes refuses a bad node list and too short a run with one line each', async () => {
  for (const [flags, problem] of [[['--nodes', '0'], /node counts from 1 to 64/], [['--nodes', '1,x'], /comma-separated list of node counts/], [['--seconds', '3'], /--seconds/]] as const) {
    const run = a3c(['bench', 'nodes', 'cartpole', ...flags]);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), problem);
    assert.equal(run.stderr().trim().split('\n').length, 1, run.stderr());
  }
});
