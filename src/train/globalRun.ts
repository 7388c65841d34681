import type { TrainConfig } from '../config.js';
import { buildActorCritic, type NetworkSpec } from '../agents/networks.js';
import type { ParamTensor } from '../nn/sequential.js';
import type { TrainHooks } from './coordinator.js';
import type { GlobalStore } from './globalStore.js';
import { RunDirectory } from './runDirectory.js';

/**
 * Opens a run around its global network, for `a3c train` and the learner service alike: checks
 * a resumed checkpoint against the network, locks and prepares the run directory, restores the
 * weights and optimizer moments (or initializes the weights from the seed), runs `body`, and
 * releases the lock it took.
 */
export async function withGlobalRun<T>(
  config: TrainConfig, runDir: string, hooks: TrainHooks, store: GlobalStore, spec: NetworkSpec,
  body: (dir: RunDirectory, layout: ParamTensor[]) => Promise<T>,
): Promise<T> {
  const globalNet = buildActorCritic(spec, 1, store.params, 'js');
  const resume = hooks.resumeFrom;
  if (resume && resume.params.length !== store.params.length) throw new Error(`checkpoint ${resume.path} holds ${resume.params.length} parameters, the network has ${store.params.length}`);
  if (hooks.runDirectory && hooks.runDirectory.path !== runDir) throw new Error(`the locked run directory ${hooks.runDirectory.path} is not ${runDir}`);
  const dir = hooks.runDirectory ?? RunDirectory.lock(runDir);
  try {
    dir.prepare(config, resume ? resume.state.episodes : null, resume?.state.globalSteps);
    if (resume) {
      store.params.set(resume.params);
      store.moment1.set(resume.moment1);
      store.moment2.set(resume.moment2);
    } else {
      globalNet.initialize(config.seed);
    }
    return await body(dir, globalNet.tensors());
  } finally {
    if (!hooks.runDirectory) dir.release();
  }
}
