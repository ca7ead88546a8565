/**
 * Audit log errors (docs/design/audit.md, issue #4). Classes with a stable `.name`, wrapped with
 * `{ cause }`; the API maps them to status codes and the CLI to exit codes, tests assert the
 * name and never the message:
 * - AuditFieldsError: an application event that does not validate (API 400, with `field`);
 * - AuditQueryError: a query or cursor that does not validate (API 400, with `field`);
 * - AuditQueueFullError: the appender's queue is full, the caller should back off (API 503);
 * - AuditStoreError: LevelDB failed (I/O, disk full, closed); nothing of the failed batch is
 *   acknowledged, the node reports degraded health (API 503);
 * - AuditChainError: a local append that does not continue its origin's stored chain; a bug in
 *   the caller, never caused by a peer;
 * - AuditClosedError: the appender was closed.
 */

/** A field of an audit event is invalid; `field` is its dotted path, e.g. `details.agent`. */
export class AuditFieldsError extends Error {
  override name = 'AuditFieldsError'
  readonly field: string
  constructor (field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options)
    this.field = field
  }
}

/** A query parameter (or the cursor) is invalid; `field` is the parameter's name. */
export class AuditQueryError extends Error {
  override name = 'AuditQueryError'
  readonly field: string
  constructor (field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options)
    this.field = field
  }
}

/** The appender already holds `maxQueue` unwritten events. */
export class AuditQueueFullError extends Error {
  override name = 'AuditQueueFullError'
}

/** The audit store could not read or write LevelDB; the cause is the LevelDB error. */
export class AuditStoreError extends Error {
  override name = 'AuditStoreError'
}

/** A local append that does not extend the stored chain of its origin. */
export class AuditChainError extends Error {
  override name = 'AuditChainError'
}

/** The appender is closed and takes no more events. */
export class AuditClosedError extends Error {
  override name = 'AuditClosedError'
}
