import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerInterceptors } from '@temporalio/worker';
import type { Config } from './config';

/** Temporal interceptors for tracing; none while tracing is off. (OpenTelemetry plugs in here.) */
export function temporalInterceptors(_config: Config): { client?: ClientInterceptors; worker?: WorkerInterceptors } {
  return {};
}
