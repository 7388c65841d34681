/**
 * Entry point of the evaluator's thread: builds the run's network layout once, then evaluates
 * each snapshot of the global weights the coordinator sends and reports back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildActorCritic } from '../agents/networks.js';
import { getPreset, networkSpec } from '../presets.js';
import { Evaluator, type EvaluatorReply, type EvaluatorRequest, type EvaluatorThreadInput } from './evaluator.js';

const input = workerData as EvaluatorThreadInput;
const port = parentPort!;
const probe = getPreset(input.config.env).makeEnv(input.config.seed, input.config, 'eval');
const layout = buildActorCritic(networkSpec(input.config, probe.actionSpace.n), 1, undefined, 'js').tensors();
probe.close();
const evaluator = new Evaluator(input.config, input.runDir, layout, input.schedule, input.resume);
port.on('message', (request: EvaluatorRequest) => {
  try {
    const report = evaluator.evaluate(request.params, request.step);
    port.postMessage({ type: 'report', report } satisfies EvaluatorReply);
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies EvaluatorReply);
  }
});
