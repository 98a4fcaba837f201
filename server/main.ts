/**
 * `npm run server`: the Detour control service. Settings come from DETOUR_* environment variables
 * (server/README.md). SIGTERM or SIGINT: stop accepting, let measurements in progress finish for up
 * to DETOUR_SHUTDOWN_GRACE_MS, then cut the rest short (they still answer) and exit 0.
 */
import { buildApp } from './src/app';
import { ConfigError, loadConfig, unknownSettings } from './src/config';
import { describeDatabaseUrl } from './src/db/database-url';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`detour control service: ${error.message}`);
    process.exit(2);
  }
  const service = await buildApp({ config });
  const { app } = service;
  for (const name of unknownSettings()) app.log.warn(`ignoring unknown setting ${name} (see server/README.md)`);
  if (config.allowPrivateTargets) {
    app.log.warn('DETOUR_ALLOW_LOOPBACK_TARGETS=1: loopback and private addresses may be measured; lab use only');
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) {
      app.log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    app.log.info(`${signal}: closing; in-flight measurements have ${config.shutdownGraceMs} ms`);
    const grace = setTimeout(() => service.interruptMeasurements(), config.shutdownGraceMs);
    grace.unref();
    // Backstop: interrupted measurements answer within milliseconds; a connection still open
    // seconds later belongs to a client that is not reading, and is not worth waiting for.
    const backstop = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs + 3_000);
    backstop.unref();
    app.close().then(
      () => {
        clearTimeout(grace);
        clearTimeout(backstop);
        app.log.info('closed');
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  // Migrate now rather than on the first report, so a schema problem shows in the log at startup. A
  // database that is down is no reason not to serve the control: the report routes retry on use.
  service.store.migrate().then(
    () => app.log.info(`reports stored in ${describeDatabaseUrl(config.databaseUrl)}`),
    (error: unknown) => app.log.warn({ err: { message: (error as Error).message } }, 'report database unavailable; reports get 503 until it is back'),
  );
}

main().catch((error: unknown) => {
  console.error('detour control service failed to start:', error);
  process.exit(1);
});
