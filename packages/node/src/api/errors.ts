import { API_ERRORS, type ApiErrorCode } from '@kos/client'

/** Thrown by routes; the error handler renders it. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly code: ApiErrorCode
  constructor (code: ApiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }

  get status (): number { return API_ERRORS[this.code].status }
}
