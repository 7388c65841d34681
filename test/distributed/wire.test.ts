import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/distributed/backoff.js';
import { decodeTensor, encodeTensor } from '../../src/distributed/codec.js';
import { Precision } from '../../src/distributed/protocol.js';
import { checkListen, isLoopback, parseAddress, tokenFrom, tokenMatches } from '../../src/distributed/security.js';
import { netHash, runHash } from '../../src/distributed/runIdentity.js';
import { Rng } from '../../src/util/rng.js';
import { cartpoleConfig, randomArray } from '../helpers.js';

test('float32 tensors travel exactly, as a copy of the values', () => {
  const values = randomArray(1001, new Rng(1), 3);
  const tensor = encodeTensor(values, Precision.FLOAT32);
  assert.equal(tensor.data.length, 4004);
  values[0] = 99; // the message does not change with the array
  const back = decodeTensor(tensor, 1001);
  assert.notEqual(back[0], 99);
  assert.deepEqual(back.subarray(1), values.subarray(1));
});

test('float16 rounds to the nearest half (even on ties), keeps subnormals, overflows to infinity, keeps NaN', () => {
  const cases: [number, number][] = [
    [1, 1], [-2, -2], [65504, 65504], [0.1, 0.0999755859375], [1 + 2 ** -11, 1], [1 + 3 * 2 ** -11, 1 + 2 ** -9],
    [2 ** -24, 2 ** -24], [3 * 2 ** -26, 2 ** -24], [2 ** -26, 0], [70000, Infinity], [-1e9, -Infinity], [0, 0],
  ];
  const values = Float32Array.from(cases.map(([x]) => x));
  const back = decodeTensor(encodeTensor(values, Precision.FLOAT16), values.length);
  cases.forEach(([x, expected], i) => assert.equal(back[i], expected, `${x} -> ${back[i]}, expected ${expected}`));
  const nan = decodeTensor(encodeTensor(Float32Array.of(NaN), Precision.FLOAT16), 1);
  assert.ok(Number.isNaN(nan[0]));
  // Random values in the normal range: relative error at most half a unit in the last place (2^-11).
  const random = randomArray(5000, new Rng(2), 10);
  const halves = decodeTensor(encodeTensor(random, Precision.FLOAT16), 5000);
  for (let i = 0; i < random.length; i++) if (Math.abs(random[i]) > 2 ** -14) assert.ok(Math.abs(halves[i] - random[i]) <= Math.abs(random[i]) * 2 ** -11, `${random[i]} -> ${halves[i]}`);
  assert.equal(encodeTensor(random, Precision.FLOAT16).data.length, 10000, 'two bytes a value');
});

test('a tensor of the wrong length or byte count is refused with what arrived', () => {
  const tensor = encodeTensor(new Float32Array(10), Precision.FLOAT32);
  assert.throws(() => decodeTensor(tensor, 11), /10 values arrived where the network has 11/);
  assert.throws(() => decodeTensor({ ...tensor, data: tensor.data.subarray(0, 36) }, 10), /36 bytes/);
});

test('backoff doubles from the initial delay up to the maximum, each delay in the upper half of its step, and resets', () => {
  const backoff = new Backoff(100, 1000, () => 0.999);
  const delays = Array.from({ length: 6 }, () => backoff.next());
  const ceilings = [100, 200, 400, 800, 1000, 1000];
  delays.forEach((d, i) => assert.ok(d >= ceilings[i] / 2 && d <= ceilings[i], `${d} for ${ceilings[i]}`));
  backoff.reset();
  assert.ok(backoff.next() <= 100);
  const low = new Backoff(100, 1000, () => 0);
  assert.equal(low.next(), 50);
});

test('addresses: loopback needs no token, any other address does; the token comes from the flag or $A3C_TOKEN', () => {
  assert.deepEqual(parseAddress('127.0.0.1:7000', '--listen'), { host: '127.0.0.1', port: 7000 });
  assert.deepEqual(parseAddress('[::1]:0', '--listen'), { host: '[::1]', port: 0 });
  assert.throws(() => parseAddress('7000', '--listen'), /--listen: expected HOST:PORT/);
  assert.throws(() => parseAddress('host:70000', '--connect'), /--connect/);
  assert.ok(isLoopback('localhost') && isLoopback('127.0.0.1') && isLoopback('[::1]'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.2'));
  assert.doesNotThrow(() => checkListen({ host: '127.0.0.1', port: 1 }, ''));
  assert.throws(() => checkListen({ host: '0.0.0.0', port: 1 }, ''), /--token or \$A3C_TOKEN/);
  assert.doesNotThrow(() => checkListen({ host: '0.0.0.0', port: 1 }, 's3cret'));
  assert.equal(tokenFrom(undefined, { A3C_TOKEN: 'env' }), 'env');
  assert.equal(tokenFrom('flag', { A3C_TOKEN: 'env' }), 'flag');
  assert.ok(tokenMatches('abc', 'abc') && !tokenMatches('abc', 'abd') && !tokenMatches('abc', ''));
});

test('the run hash ignores budgets and per-machine settings but not what the run learns', () => {
  const base = cartpoleConfig();
  assert.equal(runHash({ ...base, maxSteps: 1000, workers: 7, kernels: 'js' }), runHash(base));
  assert.notEqual(runHash({ ...base, seed: 1 }), runHash(base));
  assert.notEqual(runHash({ ...base, tMax: 5 }), runHash(base));
  assert.notEqual(netHash([{ name: 'a', shape: [2, 3], offset: 0, length: 6 }]), netHash([{ name: 'a', shape: [3, 2], offset: 0, length: 6 }]));
});
