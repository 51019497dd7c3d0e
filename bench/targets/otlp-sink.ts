import http from 'node:http';

/**
 * Where the traced variant exports its spans: accepts every OTLP/HTTP request, reads and drops the
 * body, answers 200. Its own process, so the span export costs the app what it would cost against
 * Jaeger, and the load generator's process pays nothing for it.
 */
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
