/**
 * Entry point of the evaluator's thread: builds the run's network layout once, then evaluates
 * each snapshot of the global weights the coordinator sends and reports back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildActorCritic } from '../agents/networks.js';
import { importAgentFactory, probeNetworkSpec } from './agentFactory.js';
import { Evaluator, type EvaluatorReply, type EvaluatorRequest, type EvaluatorThreadInput } from './evaluator.js';

const input = workerData as EvaluatorThreadInput;
const port = parentPort!;
const agents = await importAgentFactory(input.agentsModule);
const layout = buildActorCritic(probeNetworkSpec(agents, input.config, 'eval'), 1, undefined, 'js').tensors();
const evaluator = new Evaluator(agents, input.config, input.runDir, layout, input.schedule, input.resume);
port.on('message', (request: EvaluatorRequest) => {
  try {
    const report = evaluator.evaluate(request.params, request.step);
    port.postMessage({ type: 'report', report } satisfies EvaluatorReply);
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies EvaluatorReply);
  }
});
