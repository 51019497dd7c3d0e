import fs from 'node:fs';
import path from 'node:path';
import { renderHaproxyConfig, replicaLayout } from './haproxy';

/**
 * HAProxy of the Compose stack: the native renderer's config, with the replicas found through Docker's DNS.
 * docker-compose.yml mounts the file; test/stack/compose.test.ts holds the file and the Compose services to this.
 */
export const COMPOSE_HAPROXY_FILE = 'deploy/compose/haproxy.cfg';

const API_PORT = 5000;
/** The Compose `api` service: its replicas answer to the service name on Docker's embedded DNS server. */
export const COMPOSE_API = { service: 'api', port: API_PORT, replicas: 3 } as const;
/** Docker's embedded DNS server, the nameserver of every container on a user-defined network. */
const DOCKER_DNS = '127.0.0.11:53';
/** Where the official haproxy image lets its user (haproxy) write: its home, /var/lib/haproxy. */
const SOCKET = '/var/lib/haproxy/admin.sock';

export function renderComposeHaproxyConfig(): string {
  return `# Generated from stack/haproxy.ts by \`node --import tsx stack/haproxy-compose.ts\`: edit the renderer, not this file.\n${renderHaproxyConfig(
    {
      bind: '*',
      port: API_PORT,
      metricsPort: replicaLayout(API_PORT, COMPOSE_API.replicas).metricsPort,
      socket: SOCKET,
      replicas: {
        name: COMPOSE_API.service,
        port: API_PORT,
        slots: COMPOSE_API.replicas,
        nameserver: DOCKER_DNS,
      },
    },
  )}`;
}

if (require.main === module) {
  fs.writeFileSync(path.join(__dirname, '..', COMPOSE_HAPROXY_FILE), renderComposeHaproxyConfig());
}
