import type { TrainConfig } from '../config.js';
import { buildActorCritic, type NetworkSpec } from '../agents/networks.js';
import type { Env } from '../envs/env.js';
import type { ArenaRegion } from '../nn/kernels/backend.js';
import type { Sequential } from '../nn/sequential.js';

/** Whether an environment is built for learning or for evaluation. */
export type EnvMode = 'train' | 'eval';

/**
 * What the engine needs to know of an environment id: how to build its environment and which
 * network fits it. The engine is handed one (the presets are the usual one) instead of reaching
 * up for the presets; a thread rebuilds it by importing `moduleUrl`, whose `agentFactory`
 * export it is, since functions cannot cross a thread boundary.
 */
export interface AgentFactory {
  readonly moduleUrl: string;
  /** `noopMax`: the evaluation protocol's no-op starts in place of the environment's own random starts. */
  makeEnv(config: TrainConfig & { noopMax?: number }, seed: number, mode: EnvMode): Env;
  networkSpec(config: Pick<TrainConfig, 'env' | 'net'>, numActions: number): NetworkSpec;
  /** Action forced on the step after a lost life (the reference forces FIRE), if any. */
  actionAfterLifeLoss(config: Pick<TrainConfig, 'env'>): number | undefined;
  /** The environment options (`--env-option` names) the config's environment takes. */
  envOptionNames(config: Pick<TrainConfig, 'env' | 'rom'>): string[];
}

/** The factory a module exports as `agentFactory` (in a worker or evaluator thread). */
export async function importAgentFactory(moduleUrl: string): Promise<AgentFactory> {
  const module = await import(moduleUrl) as { agentFactory?: AgentFactory };
  if (!module.agentFactory) throw new Error(`${moduleUrl} exports no agentFactory`);
  return module.agentFactory;
}

/** An agent as a worker or the evaluator needs it: its environment and a network that fits (a worker's in its region of the shared memory). */
export interface AgentSetup {
  env: Env;
  net: Sequential;
  spec: NetworkSpec;
  actionAfterLifeLoss: number | undefined;
}

export function buildAgent(agents: AgentFactory, config: TrainConfig, seed: number, mode: EnvMode, params?: Float32Array, region?: ArenaRegion): AgentSetup {
  const env = agents.makeEnv(config, seed, mode);
  const spec = agents.networkSpec(config, env.actionSpace.n);
  const net = buildActorCritic(spec, config.tMax + 1, params, config.kernels, region);
  return { env, net, spec, actionAfterLifeLoss: agents.actionAfterLifeLoss(config) };
}

/** The network's size and layout for a config, from a probe environment that is closed again. */
export function probeNetworkSpec(agents: AgentFactory, config: TrainConfig, mode: EnvMode = 'train'): NetworkSpec {
  const probe = agents.makeEnv(config, config.seed, mode);
  try {
    return agents.networkSpec(config, probe.actionSpace.n);
  } finally {
    probe.close();
  }
}
