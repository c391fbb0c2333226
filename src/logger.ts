import pino, { type Logger } from 'pino';

/** The longest a log line waits in the buffer before it reaches stdout. */
export const LOG_FLUSH_MS = 100;

/**
 * JSON logs on stdout. Credentials never reach a log line, whatever a serializer includes.
 *
 * Lines are buffered and written together, when 8 KiB have gathered or every LOG_FLUSH_MS,
 * instead of one write(2) per line: the access log writes a line per request, and the lines
 * of many requests then share one system call. The buffer is flushed on exit and after
 * startup; a process killed with SIGKILL loses at most the last LOG_FLUSH_MS of lines.
 */
export function createLogger(level: string): Logger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 });
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref();
  return pino(
    {
      level,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
