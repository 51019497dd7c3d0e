import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import supertest from 'supertest';
import { loadConfig, type Config } from '../../app/config';
import { createServices, type Services } from '../../app/services';
import type { Logger } from '../../app/telemetry/logger';
import { freshDatabase } from '../../kit/postgres';

export function adminUrl(): string {
  const url = process.env.FINTECH_TEST_ADMIN_URL;
  if (!url) throw new Error('FINTECH_TEST_ADMIN_URL is not set: run the tests through mocha (test/support/global.ts)');
  return url;
}

/** A real app on a fresh database, listening on 127.0.0.1 on a free port. */
export interface TestApp extends Services {
  config: Config;
  server: Server;
  baseUrl: string;
  request: ReturnType<typeof supertest>;
  stop(): Promise<void>;
}

export async function startApp(
  env: Record<string, string> = {},
  options: { logger?: Logger; databaseUrl?: string } = {},
): Promise<TestApp> {
  const url = options.databaseUrl ?? (await freshDatabase(adminUrl()));
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', ...env });
  const services = createServices(config, { logger: options.logger });
  return { ...services, config, ...(await serveOnFreePort(services)) };
}

/** Listens on a free 127.0.0.1 port; stop() closes every connection, then the services. */
export async function serveOnFreePort(services: { app: Express; close(): Promise<void> }) {
  const server = await new Promise<Server>((resolve) => {
    const s = services.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    baseUrl,
    request: supertest(baseUrl),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
    },
  };
}
