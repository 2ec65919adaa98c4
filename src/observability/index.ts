/** What authgate tells operators: the JSON logger with redaction, the audit trail, Prometheus metrics. */
export { createLogger, silentLogger, REDACT_PATHS, type Logger } from './logger.ts';
export { createAuditLog, redactQuery, typedSubject, QUERY_VALUE_MARKER, TYPED_USERNAME_MAX, type AuditLog, type AuditEventName, type AuditFields, type AuditOptions } from './audit.ts';
export * from './metrics.ts';
export { recordRefusal, REFUSAL_AUDIT_EVENTS, type RefusedRequest } from './refusals.ts';
