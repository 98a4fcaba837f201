/**
 * POST /api/v1/reports: a batch of opt-in failure reports (issue 11). The body is read as text and
 * parsed by strict-json.ts (Fastify's JSON parser keeps the last of two equal keys), validated whole
 * (reports/validate-batch.ts), and only then stored, in one transaction together with the batches
 * that arrived meanwhile (reports/writer.ts); the 200 is sent after the commit. Nothing about the
 * request is stored: not the address, not a header, and of the arrival time only its hour, beside
 * the batch id, until that id is purged.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RateLimiter, clientKey } from '../rate-limit';
import type { Counters } from '../metrics';
import type { ReadyStore } from '../db/ready-store';
import { StoreUnavailableError } from '../db/store';
import { REPORT_BATCH_TTL_HOURS, REPORT_BODY_LIMIT } from '../reports/report';
import { parseStrictJson, StrictJsonError } from '../reports/strict-json';
import { ReportWriter } from '../reports/writer';
import { hourStart, ReportValidationError, validateBatch } from '../reports/validate-batch';

export const REPORTS_PATH = '/api/v1/reports';

export interface ReportRouteDeps {
  ready: ReadyStore;
  counters: Counters;
  /** Batches per client per window; 0: no report-specific limit. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
}

const hourIso = (ms: number) => new Date(hourStart(ms)).toISOString();

function refuse(reply: FastifyReply, counters: Counters, status: number, error: string, message: string) {
  counters.rejected_invalid++;
  return reply.code(status).send({ error, message });
}

export async function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): Promise<void> {
  const { ready, counters } = deps;
  const writer = new ReportWriter(ready);
  const limiter = deps.rateLimitMax > 0 ? new RateLimiter(deps.rateLimitMax, deps.rateLimitWindowMs) : undefined;

  // Batch ids exist only to recognise a retry; an hourly sweep forgets them after the TTL.
  const purge = () =>
    ready()
      .then((store) => store.purgeBatches(hourIso(Date.now() - REPORT_BATCH_TTL_HOURS * 3600_000)))
      .catch((error: unknown) => {
        app.log.warn({ err: { message: (error as Error).message } }, 'could not purge old batch ids');
      });
  const timer = setInterval(purge, 3600_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  // An encapsulated scope, so the text parser below applies to this route only.
  await app.register(async (scope) => {
    // Only JSON, as text: Fastify's default text/plain parser would otherwise hand a string here too.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.options(REPORTS_PATH, async (_request, reply) =>
      reply
        .code(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '86400')
        .send(),
    );

    scope.post<{ Body: string }>(
      REPORTS_PATH,
      {
        bodyLimit: REPORT_BODY_LIMIT,
        // Before the body is read: a flooding client costs no parsing.
        onRequest: async (request, reply) => {
          if (!limiter) return;
          const verdict = limiter.hit(clientKey(request.ip));
          if (verdict.allowed) return;
          counters.rejected_rate_limited++;
          const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
          return reply
            .code(429)
            .header('retry-after', String(seconds))
            .send({ error: 'rate_limited', message: `too many report batches; retry in ${seconds} s` });
        },
      },
      async (request, reply) => {
        let batch;
        try {
          batch = validateBatch(parseStrictJson(request.body), Date.now());
        } catch (error) {
          if (error instanceof StrictJsonError) return refuse(reply, counters, 400, 'invalid_json', error.message);
          if (error instanceof ReportValidationError) return refuse(reply, counters, 400, 'invalid_report', error.message);
          throw error;
        }
        try {
          const stored = await writer.submit(batch);
          return reply.code(200).send({ stored: stored ? batch.reports.length : 0, duplicate: !stored });
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
          app.log.error({ err: { message: error.message } }, 'report store unavailable');
          return reply.code(503).header('retry-after', '60').send({ error: 'store_unavailable', message: 'reports cannot be stored now; retry later' });
        }
      },
    );
  });
}
