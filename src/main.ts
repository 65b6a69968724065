import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig, ConfigValidationError } from './config/config.loader';
import { createApp } from './bootstrap/create-app';
import { redactUrl } from './database/database-url';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = new Logger('Bootstrap');
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  logger.log(
    `Artenic AI Platform listening on http://${config.host}:${config.port} ` +
      `(adapter=${config.http_adapter}, database=${redactUrl(config.database_url)}, instance=${config.instance_id})`,
  );

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: draining`);
    const force = setTimeout(() => {
      logger.error(`shutdown did not finish within ${config.shutdown_grace_seconds}s; exiting`);
      process.exit(1);
    }, config.shutdown_grace_seconds * 1000);
    force.unref();
    app
      .close()
      .then(() => {
        logger.log('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
