/**
 * Builds the service as a Fastify app without listening, so tests can listen on 127.0.0.1:0 (or use
 * inject) and main.ts stays a few lines. Dependencies that tests need to control (the address policy,
 * the dialler, where the log goes) can be injected; everything else comes from the Config.
 */
import fs from 'node:fs';
import net from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { anyAddress, publicAddressesOnly, type AddressPolicy } from './address-policy';
import type { Config } from './config';
import { clientTimeouts, limitConnections } from './connections';
import { registerCors } from './cors';
import { registerErrorHandling } from './errors';
import { MeasurementGate } from './limits';
import { createCounters, type Counters } from './metrics';
import { RateLimiter, registerRateLimit } from './rate-limit';
import type { MeasureContext } from './measure/context';
import { createResolver } from './measure/dns';
import { createSecureContext } from './measure/tls';
import { openStore } from './db/open-store';
import { readyStore } from './db/ready-store';
import type { ReportStore } from './db/store';
import { registerAggregateRoutes } from './routes/aggregates';
import { registerControlRoutes } from './routes/control';
import { registerOperatorRoutes } from './routes/operator';
import { registerReportRoutes } from './routes/reports';
import { registerHealthRoutes } from './routes/health';
import type { Dialer } from './safe-connect';

export interface AppOptions {
  config: Config;
  /** Replaces the policy the config implies; tests use it to cast loopback addresses as public/private. */
  addressPolicy?: AddressPolicy;
  /** Replaces net.connect; tests use it to see every address the service dials. */
  dial?: Dialer;
  /** Where the log goes (default stdout); tests capture it to prove it holds no client data. */
  logStream?: NodeJS.WritableStream;
  /** Replaces the store DETOUR_DATABASE_URL names (tests); closed with the app either way. */
  store?: ReportStore;
}

export interface DetourService {
  app: FastifyInstance;
  counters: Counters;
  gate: MeasurementGate;
  /** Where reports are counted; opened and migrated on the first report or aggregate request. */
  store: ReportStore;
  /** Cancels every measurement in progress or queued: they answer at once with `interrupted`. */
  interruptMeasurements(): void;
}

function loggerOptions(config: Config, stream: NodeJS.WritableStream | undefined): FastifyServerOptions['logger'] {
  if (config.logLevel === 'silent') return false;
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    // Fastify's default serializers would log the client's address and the request line; the
    // service logs neither (per-request log lines are off too, see logController).
    serializers: {
      req: (req: { method?: string }) => ({ method: req.method }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

export async function buildApp(options: AppOptions): Promise<DetourService> {
  const { config } = options;
  const counters = createCounters();
  const gate = new MeasurementGate(config.maxConcurrent, config.maxQueue);
  const inFlight = new Set<AbortController>();

  const ctx: MeasureContext = {
    resolver: createResolver(config.dnsServers, config.stepTimeoutMs),
    guard: {
      allowAddress: options.addressPolicy ?? (config.allowPrivateTargets ? anyAddress : publicAddressesOnly),
      allowedPorts: config.allowedPorts,
      dial: options.dial ?? ((target) => net.connect(target)),
      onRefused: (reason) => {
        if (reason === 'address') counters.refused_addresses++;
        else counters.refused_ports++;
      },
    },
    secureContext: createSecureContext(config.extraCaFile ? fs.readFileSync(config.extraCaFile, 'utf8') : undefined),
    limits: { maxRedirects: config.maxRedirects, maxBodyBytes: config.maxBodyBytes, maxEndpoints: config.maxEndpoints },
  };

  const app = Fastify({
    logger: loggerOptions(config, options.logStream),
    // No per-request log lines: they would carry client addresses and URLs (see metrics.ts).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.requestBodyLimit,
    trustProxy: config.trustProxy,
    // Slow clients are cut at clientTimeoutMs while sending their request; waiting for the answer
    // (the measurement) does not count. See connections.ts for why Node needs more than requestTimeout.
    ...clientTimeouts(config.clientTimeoutMs),
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  // While closing, every reply ends its connection: a keep-alive connection that goes idle after
  // close() began would otherwise hold the server open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  limitConnections(app.server, config, () => counters.rejected_connections++);
  registerErrorHandling(app, counters);
  // Hook order matters: a web page's request is refused before it is counted against anyone's budget.
  registerCors(app, counters);
  if (config.rateLimitMax > 0) registerRateLimit(app, new RateLimiter(config.rateLimitMax, config.rateLimitWindowMs), counters);
  registerControlRoutes(app, { config, ctx, gate, counters, inFlight });
  registerHealthRoutes(app, counters, gate);

  // A PostgreSQL connection cut while idle (the database restarting) is dropped from the pool and
  // only logged: the next request opens a new one.
  const store = options.store ?? openStore(config.databaseUrl, (error) => app.log.warn({ err: { message: error.message } }, 'database connection lost'));
  app.addHook('onClose', async () => store.close());
  const ready = readyStore(store);
  await registerReportRoutes(app, { ready, counters, rateLimitMax: config.reportRateLimitMax, rateLimitWindowMs: config.rateLimitWindowMs });
  registerAggregateRoutes(app, { ready, counters, k: config.reportsK });
  registerOperatorRoutes(app, { ready, counters, k: config.reportsK });

  return {
    app,
    counters,
    gate,
    store,
    interruptMeasurements: () => {
      for (const controller of inFlight) controller.abort();
    },
  };
}
