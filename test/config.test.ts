import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CONFIG_KEYS, ConfigError, configSchema, loadConfig } from '../app/config';
import { projectRoot } from '../app/paths';

describe('configuration', () => {
  it('has a sensible default for everything, so an empty environment starts the API on port 5000', () => {
    const config = loadConfig({});
    expect(config).to.include({ PORT: 5000, HOST: '127.0.0.1', CHAOS_ENABLED: true, LOG_LEVEL: 'info' });
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', CHAOS_TOKEN: 'short', DB_POOL_MAX: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems).to.have.members(['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'CHAOS_TOKEN', 'DB_POOL_MAX']);
  });

  it('reads "false" as false for boolean flags (not as a truthy string)', () => {
    expect(loadConfig({ CHAOS_ENABLED: 'false', DB_AUTO_MIGRATE: '0' })).to.include({
      CHAOS_ENABLED: false,
      DB_AUTO_MIGRATE: false,
    });
  });

  it('reads CORS_ORIGINS as a list, spaces and empty entries dropped', () => {
    expect(loadConfig({ CORS_ORIGINS: ' http://a.example, ,http://b.example ' }).CORS_ORIGINS).to.deep.equal([
      'http://a.example',
      'http://b.example',
    ]);
    expect(loadConfig({}).CORS_ORIGINS).to.deep.equal([]);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ CHAOS_TOKEN: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).CHAOS_TOKEN).to.equal(undefined);
  });

  it('.env.example lists exactly the variables of the schema, each with a comment and its default', () => {
    const text = fs.readFileSync(path.join(projectRoot(), '.env.example'), 'utf8');
    const lines = text.split('\n');
    const entries = lines.map((line, i) => ({ line, i })).filter(({ line }) => /^[A-Z_]+=/.test(line));
    expect(entries.map(({ line }) => line.split('=')[0])).to.have.members([...CONFIG_KEYS]);
    const defaults = configSchema.parse({}) as unknown as Record<string, string | number | boolean | undefined>;
    for (const { line, i } of entries) {
      const [key, value] = line.split(/=(.*)/s) as [string, string];
      expect(lines[i - 1], `comment above ${key}`).to.match(/^# /);
      expect(value, `default of ${key}`).to.equal(defaults[key] === undefined ? '' : String(defaults[key]));
    }
  });
});
