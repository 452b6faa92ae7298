import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError, ZodType } from 'zod';
import { logger } from '../lib/logger';

export interface FieldProblem {
  field: string;
  message: string;
}

/** An answer we mean to give: status, a stable code, and what the client can fix. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function fieldProblems(error: ZodError, prefix = ''): FieldProblem[] {
  const name = (path: PropertyKey[]) => [prefix, ...path.map(String)].filter(Boolean).join('.') || '(body)';
  // An unexpected key is named itself, so a client sending `totalPence` is told exactly that.
  return error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys' ? i.keys.map((key) => ({ field: name([...i.path, key]), message: i.message })) : [{ field: name(i.path), message: i.message }],
  );
}

export function validationError(fields: FieldProblem[]): HttpError {
  return new HttpError(400, 'VALIDATION_FAILED', `invalid ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
}

/** Parses or throws a 400 naming every bad field; nothing has been written at this point. */
export function parse<S extends ZodType>(schema: S, value: unknown, prefix = ''): S['_output'] {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(fieldProblems(result.error, prefix));
  return result.data;
}

export const notFound: RequestHandler = (req, _res, next) => next(new HttpError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));

/** Clients get a code and a message, never a stack trace or an internal detail. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message, ...err.details } });
    return;
  }
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    const type = (err as { type?: string }).type;
    const code = type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : type === 'entity.parse.failed' ? 'MALFORMED_JSON' : 'BAD_REQUEST';
    res.status(status).json({ error: { code, message: code === 'MALFORMED_JSON' ? 'the body is not valid JSON' : (err as Error).message } });
    return;
  }
  logger.error({ err, path: req.path, requestId: req.headers['x-request-id'] }, 'unhandled error');
  res.status(500).json({ error: { code: 'INTERNAL', message: 'something went wrong on our side; nothing was lost, please retry' } });
};
