/**
 * POST / (OONI's test-helper path) and POST /api/v1/control: validate, wait for a measurement slot,
 * measure, answer. The measurement is cancelled if the client goes away or the service shuts down.
 * The origin rule (cors.ts) and the rate limit (rate-limit.ts) are app-wide hooks that run before
 * this, so both paths share one budget per client.
 */
import type { FastifyInstance } from 'fastify';
import {
  CONTROL_TIME_BUDGET_HEADER,
  CONTROL_TRANSIT_MS,
  MIN_CONTROL_BUDGET_MS,
  type ControlRequest,
} from '../../../engine/control-protocol';
import type { Config } from '../config';
import { parseControlRequest } from '../control-request';
import { MEASUREMENT_PATHS } from '../cors';
import { BusyError, type MeasurementGate } from '../limits';
import { countFailure, type Counters } from '../metrics';
import { Budget, interruptedError } from '../measure/budget';
import type { MeasureContext } from '../measure/context';
import { measureControl } from '../measure/control';
import { controlRequestSchema, controlResponseSchema, errorResponseSchema } from '../schemas';

export interface ControlRouteDeps {
  config: Config;
  ctx: MeasureContext;
  gate: MeasurementGate;
  counters: Counters;
  /** One controller per measurement in progress or queued; shutdown aborts them all. */
  inFlight: Set<AbortController>;
}

/**
 * The measurement's time: the service's own limit, or less when the client says it will not wait
 * that long (engine/control-protocol.ts). A header that is not a plain number is ignored, not refused:
 * OONI's probes do not send it, and a proxy may mangle it.
 */
export function measurementBudgetMs(header: string | string[] | undefined, config: Pick<Config, 'measurementTimeoutMs'>): number {
  const value = typeof header === 'string' && /^[0-9]{1,9}$/.test(header) ? Number(header) : undefined;
  if (value === undefined) return config.measurementTimeoutMs;
  return Math.min(config.measurementTimeoutMs, Math.max(MIN_CONTROL_BUDGET_MS, value - CONTROL_TRANSIT_MS));
}

export function registerControlRoutes(app: FastifyInstance, deps: ControlRouteDeps): void {
  const { config, ctx, gate, counters, inFlight } = deps;
  const schema = {
    body: controlRequestSchema(config.maxEndpoints),
    response: { 200: controlResponseSchema, '4xx': errorResponseSchema, '5xx': errorResponseSchema },
  };

  for (const path of MEASUREMENT_PATHS) {
    app.post<{ Body: ControlRequest }>(path, { schema }, async (request, reply) => {
      counters.requests++;
      const arrived = Date.now();
      const measurement = parseControlRequest(request.body, config.allowedPorts);

      const abort = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) abort.abort(interruptedError());
      };
      reply.raw.once('close', onClose);
      inFlight.add(abort);
      try {
        let release: () => void;
        try {
          release = await gate.acquire(abort.signal);
        } catch (error) {
          if (!(error instanceof BusyError) && !abort.signal.aborted) throw error;
          counters.rejected_busy++;
          return reply.code(503).header('retry-after', '1').send({ error: 'busy', message: 'too many measurements in progress; retry shortly' });
        }
        counters.measurements_started++;
        const started = Date.now();
        try {
          // The budget starts when the request arrived: time queued for a slot was the client's too.
          const totalMs = measurementBudgetMs(request.headers[CONTROL_TIME_BUDGET_HEADER], config) - (Date.now() - arrived);
          const budget = new Budget(abort.signal, Math.max(0, totalMs), config.stepTimeoutMs);
          const response = await measureControl(measurement, ctx, budget);
          if (response.http_request.failure === null) counters.http_responses++;
          else counters.http_failures++;
          countFailure(counters, 'http', response.http_request.failure);
          countFailure(counters, 'dns', response.dns.failure);
          for (const r of Object.values(response.tcp_connect)) countFailure(counters, 'tcp', r.failure);
          for (const r of Object.values(response.tls_handshake ?? {})) countFailure(counters, 'tls', r.failure);
          return response;
        } finally {
          release();
          const ms = Date.now() - started;
          counters.measurement_ms_total += ms;
          counters.measurement_ms_max = Math.max(counters.measurement_ms_max, ms);
          if (abort.signal.aborted) counters.measurements_interrupted++;
          else counters.measurements_completed++;
        }
      } finally {
        inFlight.delete(abort);
        reply.raw.off('close', onClose);
      }
    });
  }
}
