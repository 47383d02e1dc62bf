import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs go to stderr so stdout stays data (the CLI contracts print dates, JSON and CSV there).
 * Secrets never reach a log line: the paths below are masked wherever they appear.
 */
export function createLogger(level = 'info', destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level,
      base: { app: 'gogooku3' },
      redact: {
        paths: ['password', 'apiKey', 'refreshToken', 'idToken', '*.password', '*.apiKey', '*.refreshToken', '*.idToken',
          'headers.authorization', 'headers["x-api-key"]', '*.headers.authorization', '*.headers["x-api-key"]'],
        censor: '***',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

/** A logger that drops everything; the default for library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
