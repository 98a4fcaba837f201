/** GET /health for uptime checks and GET /metrics for the aggregate counters, both JSON. */
import type { FastifyInstance } from 'fastify';
import type { MeasurementGate } from '../limits';
import type { Counters } from '../metrics';
import { VERSION } from '../version';

export function registerHealthRoutes(app: FastifyInstance, counters: Counters, gate: MeasurementGate): void {
  const startedAt = Date.now();
  const snapshot = () => ({ in_flight: gate.active, queued: gate.queued, ...counters });
  app.get('/health', async () => ({
    ok: true,
    version: VERSION,
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
    counters: snapshot(),
  }));
  app.get('/metrics', async () => snapshot());
}
