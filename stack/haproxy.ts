/** One API replica behind HAProxy. */
export interface Replica {
  id: string;
  port: number;
}

/** Where HAProxy listens: the API's public port, its Prometheus endpoint, and its runtime API socket. */
export interface HaproxyOptions {
  port: number;
  metricsPort: number;
  socket: string;
  replicas: readonly Replica[];
}

/** The runtime API and metrics name the backend and its servers by these names. */
export const HAPROXY_BACKEND = 'api';

/**
 * HAProxy 2.6 in front of the replicas. Health check: GET /livez, which never touches the database: a
 * database outage hits every replica alike, and taking them all out of rotation would turn the API's clear
 * 503s into HAProxy's own. A dead or hung process fails it within `fall x inter` (2 s), and a connection
 * refused is retried on another replica (`retry-on conn-failure`, `redispatch`).
 */
export function renderHaproxyConfig(o: HaproxyOptions): string {
  return `global
  stats socket ${o.socket} mode 600 level admin
  log stdout format raw local0 info

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
  bind 127.0.0.1:${o.port}
  default_backend ${HAPROXY_BACKEND}

frontend metrics
  bind 127.0.0.1:${o.metricsPort}
  http-request use-service prometheus-exporter if { path /metrics }
  http-request return status 200 content-type text/plain string ok if { path /healthz }

backend ${HAPROXY_BACKEND}
  balance roundrobin
  option httpchk GET /livez
  http-check expect status 200
  default-server inter 1s fall 2 rise 1
${o.replicas.map((r) => `  server ${r.id} 127.0.0.1:${r.port} check`).join('\n')}
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
