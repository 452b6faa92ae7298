import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AccessLinkRequest } from '../../domain/access/links';

const { sendAccessLink } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // The link lives 15 minutes: retrying for longer would only mail a dead one (the activity skips those).
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: ['ChannelRejected'] },
});

/** Mails a one-time link to the address on an order: the API process sends no e-mail itself. */
export async function accessLinkWorkflow(request: AccessLinkRequest): Promise<{ status: string }> {
  return sendAccessLink(request);
}

export const accessLinkWorkflowId = (requestKey: string): string => `access-link-${requestKey}`;
