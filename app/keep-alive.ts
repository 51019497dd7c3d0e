/** How long the API and the risk service keep an idle client connection open (Node's default, made explicit). */
export const SERVER_KEEP_ALIVE_MS = 5_000;

/**
 * How long the API's own HTTP clients keep an idle pooled connection: shorter than the server's, so a
 * request is never written on a connection the server is closing at that moment (an ECONNRESET that
 * would fail a transfer the risk service never saw).
 */
export const CLIENT_IDLE_SOCKET_MS = SERVER_KEEP_ALIVE_MS - 1_000;
