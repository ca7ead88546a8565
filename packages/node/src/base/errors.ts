/**
 * Error classes with a stable `.name`. The CLI maps them to exit codes and the API to status
 * codes; tests assert the name, never the message.
 */

/** A config key, flag or file that is invalid: the operator must fix it (CLI exit code 2). */
export class ConfigError extends Error {
  override name = 'ConfigError'
  /** The config key or flag at fault, e.g. `--listen` or `heartbeatIntervalMs`. */
  readonly key: string
  constructor (key: string, message: string, options?: ErrorOptions) {
    super(`${key}: ${message}`, options)
    this.key = key
  }
}

/** A multiaddr that does not parse or cannot be dialled by TCP. */
export class InvalidMultiaddrError extends Error {
  override name = 'InvalidMultiaddrError'
}

/** The node is not running (not started yet, or stopped). */
export class NotStartedError extends Error {
  override name = 'NotStartedError'
}
