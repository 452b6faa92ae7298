import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../lib/config';
import { temporalInterceptors, temporalWorkflowSinks } from '../lib/tracing';
import { createDataConverter } from '../temporal-config/dataConverter';
import { dataRejectionInterceptor } from './dataRejection';

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (production, tests); without it the worker bundles workflows/ at start. */
  workflowBundlePath?: string;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/**
 * Worker Versioning when a deployment name and build id are given (production deploys). Orders live for
 * weeks, so they AUTO_UPGRADE to the current build rather than pin: that is safe because every change to
 * workflow code goes behind patched() and must replay the recorded histories (test/replay.test.ts).
 */
function workerVersioning(config: Config): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!config.WORKER_DEPLOYMENT_NAME || !config.WORKER_BUILD_ID) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    },
  };
}

/** One worker hosts every order workflow and activity on the store's task queue. */
export function createOrderWorker(o: OrderWorkerOptions): Promise<Worker> {
  const tracing = temporalInterceptors(o.deps.config).worker ?? {};
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.workflowBundlePath ? { workflowBundle: { codePath: o.workflowBundlePath } } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(o.deps),
    dataConverter: createDataConverter(o.deps.config),
    ...workerVersioning(o.deps.config),
    interceptors: { ...tracing, activity: [...(tracing.activity ?? []), dataRejectionInterceptor] },
    sinks: temporalWorkflowSinks(o.deps.config),
    // In-flight activities get this long to finish on shutdown; after it, Temporal hands them to another worker.
    shutdownGraceTime: o.shutdownGraceTime ?? '20s',
  });
}
