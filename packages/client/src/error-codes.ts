/**
 * Every error code the HTTP API answers with, its status, and what it means. Responses are
 * `{ "error": { "code": "...", "message": "..." } }`; a test pins this table.
 */
export const API_ERRORS = Object.freeze({
  invalid_request: { status: 400, meaning: 'the body, a parameter or a query value is invalid; the message names the field' },
  invalid_json: { status: 400, meaning: 'the body is not valid JSON' },
  unsupported_media_type: { status: 415, meaning: 'a request other than GET or HEAD without Content-Type: application/json (a guard against cross-site form posts)' },
  payload_too_large: { status: 413, meaning: 'the body is larger than the API accepts' },
  unauthorized: { status: 401, meaning: 'a mutating call without the node\'s API token (`Authorization: Bearer <token>`, the token is in <data>/api-token)' },
  forbidden: { status: 403, meaning: 'the token is valid but this node may not do that (e.g. release a quarantine it neither imposed nor may lift as a Junzi peer)' },
  misdirected_request: { status: 421, meaning: 'the Host header is not a loopback name or the node\'s configured API address (a guard against DNS rebinding)' },
  not_found: { status: 404, meaning: 'no such route, peer, escalation or agent' },
  conflict: { status: 409, meaning: 'the request conflicts with the current state (an agent of that name exists, an agent is not quarantined, a quarantined agent cannot start)' },
  audit_unavailable: { status: 503, meaning: 'the audit log cannot take the entry now (queue full, storage failing, or stopping); retry later' },
  escalation_unavailable: { status: 503, meaning: 'the escalation outbox cannot take more now (full, or stopping); retry later' },
  overloaded: { status: 503, meaning: 'the node runs degraded and sheds non-essential calls (api/load-shedding.ts), or it already serves eventStreamMaxClients event streams; retry after the Retry-After header' },
  no_coordinator: { status: 503, meaning: 'the cluster has no coordinator this node can reach (a minority side of a partition, or an election under way): cluster-wide changes such as defining a service wait for one; nothing was stored' },
  quorum_timeout: { status: 504, meaning: 'ack=quorum: a majority of the voter set did not confirm the entry in time; it is stored locally and still replicates' },
  internal: { status: 500, meaning: 'a bug: the node logged it' }
} as const)

export type ApiErrorCode = keyof typeof API_ERRORS
