/** The operational logger: pino JSON, secrets redacted wherever they could appear. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Every path under which a secret could end up in a log object. */
const REDACT_PATHS = [
  'req.headers.cookie', 'req.headers.authorization', 'req.headers["x-auth-token"]', 'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]', 'headers.cookie', 'headers.authorization', 'cookie', 'authorization',
  'password', '*.password', 'bindPassword', '*.bindPassword', 'clientSecret', '*.clientSecret', 'secrets', '*.secrets',
  'token', '*.token', 'idToken', 'refreshToken', 'accessToken', '*.refreshToken', '*.idToken', '*.accessToken', 'assertion', '*.assertion',
];

export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'authgate',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
