import { buildCatalogue } from './catalogue';
import { createControlRoom } from './app';
import { loadControlRoomConfig } from './config';
import { GameHost, gamePlace } from './game-host';

/** The only file of the control room that listens: a process of its own, so the page stays up while the API is broken. */
function main(): void {
  const config = loadControlRoomConfig(process.env);
  const games = new GameHost(gamePlace(config));
  const server = createControlRoom(config, buildCatalogue(), games).listen(
    config.CONTROL_ROOM_PORT,
    config.CONTROL_ROOM_HOST,
  );
  server.on('listening', () =>
    console.log(`control room on http://${config.CONTROL_ROOM_HOST}:${config.CONTROL_ROOM_PORT}`),
  );
  server.on('error', (err) => {
    console.error(err.message);
    process.exit(1);
  });
  // A game started from the page stops first: its faults reset and its debrief written.
  const stop = (): void =>
    void games.stop().finally(() => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
