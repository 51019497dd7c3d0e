import { createTemplate, startEmbeddedPostgres, type TestPostgres } from '../../kit/postgres';

/**
 * Mocha global fixture: one real PostgreSQL for the whole run (the embedded one from npm,
 * or the server at TEST_DATABASE_URL, which must allow CREATE DATABASE). Test files get
 * fresh databases copied from a template (test/support/app.ts).
 */
const state: { server?: TestPostgres } = {};

export async function mochaGlobalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    process.env.FINTECH_TEST_ADMIN_URL = external;
  } else {
    state.server = await startEmbeddedPostgres();
    process.env.FINTECH_TEST_ADMIN_URL = state.server.adminUrl;
  }
  await createTemplate(process.env.FINTECH_TEST_ADMIN_URL);
}

export async function mochaGlobalTeardown(): Promise<void> {
  await state.server?.dispose();
}
