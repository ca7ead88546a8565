/**
 * Operator webhooks (issue #5): an escalation is POSTed as JSON, with
 * `X-Kos-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body under the webhook's shared
 * secret, so the receiver can check who sent it and that it was
 * not altered. `X-Kos-Escalation-Id` repeats the id: receivers dedupe by it, since a retry after
 * a lost answer sends the same escalation again.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Escalation } from '@kos/core'

export const SIGNATURE_HEADER = 'x-kos-signature'
export const ID_HEADER = 'x-kos-escalation-id'

/** `sha256=<hex>` of `body` under `secret`. */
export function signBody (secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Checks a signature header in constant time (what a receiver does; the tests use it). */
export function verifySignature (secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (header === undefined) return false
  const want = Buffer.from(signBody(secret, body))
  const given = Buffer.from(header)
  return want.length === given.length && timingSafeEqual(want, given)
}

export class WebhookError extends Error {
  override name = 'WebhookError'
}

/** POSTs one escalation; resolves on a 2xx answer, rejects otherwise (status, network, timeout). */
export async function postWebhook (url: string, secret: string, record: Escalation, timeoutMs: number): Promise<void> {
  const body = JSON.stringify(record)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body), [ID_HEADER]: record.id },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error'
    })
  } catch (err) {
    throw new WebhookError(`webhook ${url}: ${(err as Error).message}`, { cause: err })
  }
  await res.arrayBuffer().catch(() => undefined)
  if (res.status < 200 || res.status >= 300) throw new WebhookError(`webhook ${url} answered HTTP ${res.status}`)
}
