import http from 'node:http';

/**
 * The ceiling for a Node HTTP answer on this machine: node:http, no framework, no database,
 * answering the same JSON bodies as the app (GET /api/balance's body is captured from the app).
 */
const balance = process.env.BENCH_BALANCE_BODY ?? '{}';
const port = Number(process.env.PORT ?? 0);

const server = http.createServer((req, res) => {
  const body =
    req.url === '/api/balance'
      ? balance
      : req.url === '/livez'
        ? JSON.stringify({ status: 'alive', uptime_s: Math.round(process.uptime()) })
        : undefined;
  if (body === undefined) {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end('{"error":{"code":"NOT_FOUND"}}');
    return;
  }
  res
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    .end(body);
});
server.keepAliveTimeout = 5_000;
server.listen(port, process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
