/**
 * CORS for the extension: its background page or service worker calls the service with fetch() and
 * a JSON body, which makes the browser send an OPTIONS preflight first. Any origin may read the
 * answers (they hold nothing private) and no credentials are involved, so `*` is enough.
 */
import type { FastifyInstance } from 'fastify';

export const MEASUREMENT_PATHS = ['/', '/api/v1/control'] as const;

export function registerCors(app: FastifyInstance): void {
  // onSend runs for every reply, errors and 429s included, so the extension can read those too.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    return payload;
  });
  for (const path of MEASUREMENT_PATHS) {
    app.options(path, async (_request, reply) => {
      reply
        .code(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '86400');
      return reply.send();
    });
  }
}
