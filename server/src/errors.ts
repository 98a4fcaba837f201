/**
 * Every refusal is a JSON `{ error, message }` with a 4xx status, and nothing in it, or in the log,
 * echoes what the client sent (Node's JSON.parse messages quote the body; Fastify's do not, and the
 * handler below never adds request data). Unexpected errors are logged without the request.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { RequestError } from './control-request';
import type { Counters } from './metrics';

interface Refusal {
  statusCode: number;
  error: string;
  message: string;
}

const BY_FASTIFY_CODE: Record<string, Omit<Refusal, 'message'> & { message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, error: 'body_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { statusCode: 415, error: 'unsupported_media_type', message: 'send Content-Type: application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, error: 'invalid_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, error: 'invalid_json', message: 'the body is empty' },
};

export function describeError(error: Partial<FastifyError>): Refusal {
  if (error instanceof RequestError) return { statusCode: error.statusCode, error: error.error, message: error.message };
  if (error.validation) return { statusCode: 400, error: 'invalid_request', message: error.message ?? 'invalid request' };
  const known = error.code ? BY_FASTIFY_CODE[error.code] : undefined;
  if (known) return { message: error.message ?? known.error, ...known };
  const status = error.statusCode ?? 500;
  if (status === 429) return { statusCode: 429, error: 'rate_limited', message: error.message ?? 'too many requests' };
  if (status >= 400 && status < 500) return { statusCode: status, error: 'bad_request', message: error.message ?? 'bad request' };
  return { statusCode: 500, error: 'internal_error', message: 'internal error' };
}

export function registerErrorHandling(app: FastifyInstance, counters: Counters): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const refusal = describeError(error);
    if (refusal.statusCode === 429) counters.rejected_rate_limited++;
    else if (refusal.statusCode >= 500) {
      counters.internal_errors++;
      request.log.error({ err: { message: error.message, stack: error.stack, code: error.code } }, 'unexpected error');
    } else counters.rejected_invalid++;
    return reply.code(refusal.statusCode).send({ error: refusal.error, message: refusal.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found', message: 'POST / to measure' }));
}
