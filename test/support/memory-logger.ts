import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../app/telemetry/logger';

/** The app's logger format, writing JSON lines into an array instead of stdout. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', service: 'test' });
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}
