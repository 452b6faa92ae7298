import { ApplicationFailure, condition } from '@temporalio/workflow';

/** One request an Update handler left for the main flow, answered once: with a reply or a refusal. */
export interface Letter<Request, Reply> {
  readonly request: Request;
  reply(value: Reply): void;
  refuse(reason: string): void;
}

/**
 * Requests that Update handlers hand to the main flow, which carries them out between its own steps (so no
 * handler's work runs beside it); each handler waits for its answer. Refusals reach the caller as
 * `failureType`, not retryable.
 */
export class Mailbox<Request, Reply> {
  private readonly letters: Array<Letter<Request, Reply>> = [];

  constructor(private readonly failureType: string) {}

  async post(request: Request): Promise<Reply> {
    let answer: { reply: Reply } | { refusal: string } | undefined;
    this.letters.push({
      request,
      reply: (value) => (answer ??= { reply: value }),
      refuse: (reason) => (answer ??= { refusal: reason }),
    });
    await condition(() => answer !== undefined);
    const given = answer as { reply: Reply } | { refusal: string };
    if ('refusal' in given) throw ApplicationFailure.nonRetryable(given.refusal, this.failureType);
    return given.reply;
  }

  get waiting(): number {
    return this.letters.length;
  }

  /** The oldest unanswered request, taken out of the box. */
  take(): Letter<Request, Reply> | undefined {
    return this.letters.shift();
  }

  /** Every unanswered request, taken out of the box, oldest first. */
  takeAll(): Array<Letter<Request, Reply>> {
    return this.letters.splice(0);
  }
}
