import { ApplicationFailure } from '@temporalio/activity';
import { CarrierRejectedError, CarrierUnavailableError } from '../../domain/shipping/carriers/carrier';

/** Carrier errors become Temporal's: rejected ones stop retries, rate limits retry when the carrier asks. */
export function outcomeOf(err: unknown): string {
  return err instanceof CarrierRejectedError ? 'rejected' : err instanceof CarrierUnavailableError ? 'unavailable' : 'error';
}

export function asFailure(err: unknown): never {
  if (err instanceof CarrierRejectedError) {
    throw ApplicationFailure.create({ message: err.message, type: 'CarrierRejected', nonRetryable: true, details: [{ code: err.code }] });
  }
  if (err instanceof CarrierUnavailableError) {
    throw ApplicationFailure.create({ message: err.message, type: 'CarrierUnavailable', nextRetryDelay: err.retryAfterMs });
  }
  throw err;
}
