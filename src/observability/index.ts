/** What authgate tells operators: the JSON logger with redaction, the audit trail, Prometheus metrics. */
export { createLogger, type Logger } from './logger.ts';
export { createAuditLog, redactQuery, typedSubject, type AuditLog, type AuditFields } from './audit.ts';
export * from './metrics.ts';
export { recordRefusal } from './refusals.ts';
