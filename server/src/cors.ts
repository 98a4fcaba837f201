/**
 * Who may call the service from a browser. A measurement costs the service real work and is made
 * from the service's address, so a web page that could call it through its visitors' browsers would
 * turn every visitor into a free measurement proxy (and spend their rate-limit budget). Browsers
 * put an `Origin` header on every cross-origin fetch and on every POST, forms and `no-cors` included,
 * so the rule is on that header:
 *
 * - no Origin (OONI probes, curl, an extension background whose browser sends none): served;
 * - a browser-extension origin (the Detour extension's background page or service worker): served,
 *   and only that origin is echoed in Access-Control-Allow-Origin, so it can read the answer;
 * - any other Origin (http, https, `null` from sandboxed frames and files, anything unknown):
 *   403 `origin_not_allowed` before any other work, with no CORS header, so the page cannot even
 *   read the refusal.
 */
import type { FastifyInstance } from 'fastify';
import type { Counters } from './metrics';
import { CONTROL_TIME_BUDGET_HEADER } from '../../engine/control-protocol';

export const MEASUREMENT_PATHS = ['/', '/api/v1/control'] as const;

// Anchored, one character class, no nesting: linear on any header. Chrome, Edge and Opera use
// chrome-extension://<32 letters>, Firefox moz-extension://<uuid>, Safari safari-web-extension://<uuid>.
// A comma (Node joins repeated Origin headers with ", ") cannot match, so two Origins are refused.
const EXTENSION_ORIGIN = /^(?:chrome-extension|moz-extension|safari-web-extension):\/\/[A-Za-z0-9._-]{1,128}$/;

export function isExtensionOrigin(origin: string): boolean {
  return EXTENSION_ORIGIN.test(origin);
}

export function registerCors(app: FastifyInstance, counters: Counters): void {
  // Registered before the rate limit, so a refused page costs neither a measurement nor budget.
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || isExtensionOrigin(origin)) return;
    counters.rejected_origin++;
    return reply.code(403).send({
      error: 'origin_not_allowed',
      message: 'web pages may not use this service; call it from an extension background or without an Origin',
    });
  });
  // onSend runs for every reply, errors and 429s included, so the extension can read those too.
  app.addHook('onSend', async (request, reply, payload) => {
    // Answers differ by Origin: a shared cache must not hand an extension's answer to anyone else.
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin !== undefined && isExtensionOrigin(origin)) reply.header('access-control-allow-origin', origin);
    return payload;
  });
  for (const path of MEASUREMENT_PATHS) {
    app.options(path, async (_request, reply) => {
      reply
        .code(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', `content-type, ${CONTROL_TIME_BUDGET_HEADER}`)
        .header('access-control-max-age', '86400');
      return reply.send();
    });
  }
}
