import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const { reopenNotification } = proxyActivities<Activities>({ startToCloseTimeout: '15s', retry: { maximumAttempts: 5 } });
const { sendNotification, markNotificationFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['ChannelRejected'] },
});

/** An admin's resend of a failed notification: the same row, the same key, so it can only be sent once. */
export async function resendNotificationWorkflow(notificationId: number): Promise<{ status: string }> {
  const request = await reopenNotification(notificationId);
  try {
    const result = await sendNotification(request);
    return { status: result.status };
  } catch (err) {
    const error = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    await markNotificationFailed({ ...request, error });
    return { status: 'failed' };
  }
}
