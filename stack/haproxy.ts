import net from 'node:net';

/** One API replica behind HAProxy. */
export interface Replica {
  id: string;
  port: number;
}

/**
 * Replicas HAProxy finds by DNS (Compose): `slots` servers fill themselves with the addresses the
 * nameserver gives `name`, re-asked every second, so a recreated container's new address is picked up.
 */
export interface DnsReplicas {
  name: string;
  port: number;
  slots: number;
  nameserver: string;
}

/** Where HAProxy listens: the API's public port, its Prometheus endpoint, and its runtime API socket. */
export interface HaproxyOptions {
  /** Address the frontends bind: 127.0.0.1 natively; all interfaces in a container (Compose publishes on 127.0.0.1). */
  bind?: string;
  port: number;
  metricsPort: number;
  socket: string;
  replicas: readonly Replica[] | DnsReplicas;
}

/** The runtime API and metrics name the backend and its servers by these names. */
export const HAPROXY_BACKEND = 'api';
/** Compose: the name of each DNS-filled server is this prefix and its slot number; it is not the replica's INSTANCE_ID. */
export const HAPROXY_SLOT_PREFIX = 'slot-';
/** HAProxy's health check of every replica (why this endpoint: renderHaproxyConfig). */
export const HEALTH_CHECK_PATH = '/livez';
/** HAProxy's own liveness, on its metrics port. */
export const HAPROXY_HEALTH_PATH = '/healthz';

const isDns = (r: HaproxyOptions['replicas']): r is DnsReplicas => !Array.isArray(r);

/** HAProxy's runtime API socket, in the API's state folder (`.run/api/admin.sock` under `make up REPLICAS=3`). */
export const HAPROXY_SOCKET = 'admin.sock';

/**
 * Sends one command to HAProxy's runtime API (e.g. `set server api/api-2 state maint`) and returns its
 * answer: HAProxy answers a single command and closes the connection, as `socat stdio SOCKET` would show.
 */
export function runtimeCommand(socket: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.createConnection(socket, () => conn.write(`${command}\n`));
    conn.setTimeout(timeoutMs, () => conn.destroy(new Error(`HAProxy did not answer within ${timeoutMs} ms`)));
    conn.on('data', (chunk: Buffer) => chunks.push(chunk));
    conn.on('error', reject);
    conn.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * HAProxy 2.6 in front of the replicas. Health check: GET /livez, which never touches the database: a
 * database outage hits every replica alike, and taking them all out of rotation would turn the API's clear
 * 503s into HAProxy's own. A dead or hung process fails it within `fall x inter` (2 s), and a connection
 * refused is retried on another replica (`retry-on conn-failure`, `redispatch`). Each log line names the
 * server and the replica's X-Instance-Id (its INSTANCE_ID), so the two can be matched.
 */
export function renderHaproxyConfig(o: HaproxyOptions): string {
  const bind = o.bind ?? '127.0.0.1';
  const r = o.replicas;
  const resolvers = isDns(r) ? `\nresolvers docker\n  nameserver dns ${r.nameserver}\n  hold valid 1s\n` : '';
  const servers = isDns(r)
    ? `  server-template ${HAPROXY_SLOT_PREFIX} 1-${r.slots} ${r.name}:${r.port} check resolvers docker resolve-prefer ipv4 init-addr none`
    : r.map((s) => `  server ${s.id} 127.0.0.1:${s.port} check`).join('\n');
  return `global
  stats socket ${o.socket} mode 600 level admin
  log stdout format raw local0 info
${resolvers}
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 2
  retry-on conn-failure empty-response
  option redispatch 1

frontend api
  bind ${bind}:${o.port}
  capture response header X-Instance-Id len 63
  default_backend ${HAPROXY_BACKEND}

frontend metrics
  bind ${bind}:${o.metricsPort}
  http-request use-service prometheus-exporter if { path /metrics }
  http-request return status 200 content-type text/plain string ok if { path ${HAPROXY_HEALTH_PATH} }

backend ${HAPROXY_BACKEND}
  balance roundrobin
  option httpchk GET ${HEALTH_CHECK_PATH}
  http-check expect status 200
  default-server inter 1s fall 2 rise 1
${servers}
`;
}

/**
 * Where the replicas of a native stack listen: HAProxy takes the API's public port, its Prometheus
 * endpoint is that port + 100 and the replicas api-1..api-N the ports after it (5101, 5102, ... by default).
 */
export function replicaLayout(apiPort: number, count: number): { metricsPort: number; replicas: Replica[] } {
  return {
    metricsPort: apiPort + 100,
    replicas: Array.from({ length: count }, (_, i) => ({ id: `api-${i + 1}`, port: apiPort + 101 + i })),
  };
}
