/**
 * The typed client of a kOS node's local HTTP API (docs/api.md): the one way the `kos` commands
 * talk to a node, and the class users and scripts import from `@kos/client`.
 *
 * Every method returns the API's own response type, unchanged. Failures are one of two errors:
 * NodeUnreachableError when no answer came (refused, timed out, DNS), ApiError when the node
 * answered with an error. `GET /v1/health` is the exception that answers 429 and 503 as valid,
 * non-error results, so health() returns the status beside the body.
 */

import { parseApiAddress } from './api-address.js'
import { auditQueryString, openAuditStream } from './audit-client.js'
import { openEventStream, type EventStreamOptions } from './event-client.js'
import type {
  AgentInfo, AgentsResponse, ApiErrorBody, AuditAck, AuditAppendRequest, AuditAppendResponse, AuditBatchResponse, AuditEntryView, AuditQueryParams,
  AuditQueryResponse, AuditVerifyResponse, CoordinatorInfo, EscalationCreated, EscalationDetail, EscalationRequest, EscalationsResponse,
  DrainResponse, HealthResponse, JoinRequest, JoinResponse, LeaveResponse, NodeInfo, PeerInfo, PeersResponse, ServiceInfo, ServicesResponse, StreamMessage
} from './types.js'
import { ApiError, NodeUnreachableError } from './errors.js'

export interface ApiClientInit {
  /**
   * Where the node's API listens: `host:port` (`127.0.0.1:7070`) or an `http://` URL. Validated
   * by the constructor, which throws a UsageError for anything else.
   */
  api: string
  /**
   * How long one request may take, connection and body included, in ms. The API answers from
   * memory, so a node that takes longer is treated as unreachable (hung or starved).
   * @default 5000
   */
  timeoutMs?: number
}

/** What POST /v1/agents/:id/start|stop|restart do. */
export type AgentAction = 'start' | 'stop' | 'restart'
/** The answer of POST /v1/agents/:id/release. */
export interface AgentReleased { released: string }
/** The answer of DELETE /v1/agents/:id. */
export interface AgentRemoved { removed: string }

/** The HTTP statuses of GET /v1/health: passing, warning, critical. All three are answers. */
export type HealthHttpStatus = 200 | 429 | 503

/** GET /v1/health: the body, and the status a load balancer would see. */
export interface HealthResult {
  httpStatus: HealthHttpStatus
  body: HealthResponse
}

const DEFAULT_TIMEOUT_MS = 5000
const HEALTH_STATUSES: readonly number[] = [200, 429, 503]

export class ApiClient {
  /** The API base URL without a trailing slash, e.g. `http://127.0.0.1:7070`. */
  readonly baseUrl: string
  private readonly timeoutMs: number

  constructor (init: ApiClientInit) {
    this.baseUrl = parseApiAddress(init.api)
    const timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`)
    }
    this.timeoutMs = timeoutMs
  }

  /** GET /v1/node: this node's identity, addresses and mode. */
  async node (): Promise<NodeInfo> {
    return await this.call<NodeInfo>('GET', '/v1/node')
  }

  /** GET /v1/peers: every member this node knows, and which peer id is the node itself. */
  async peers (): Promise<PeersResponse> {
    return await this.call<PeersResponse>('GET', '/v1/peers')
  }

  /** GET /v1/peers/:peerId. An unknown peer is an ApiError with status 404. */
  async peer (peerId: string): Promise<PeerInfo> {
    return await this.call<PeerInfo>('GET', `/v1/peers/${encodeURIComponent(peerId)}`)
  }

  /** GET /v1/coordinator: the coordinator, term, lease and voter set in this node's view. */
  async coordinator (): Promise<CoordinatorInfo> {
    return await this.call<CoordinatorInfo>('GET', '/v1/coordinator')
  }

  /** GET /v1/health. Resolves for 200, 429 and 503 alike; `body.status` says which. */
  async health (): Promise<HealthResult> {
    const { status, json } = await this.send('GET', '/v1/health')
    if (HEALTH_STATUSES.includes(status) && !isErrorBody(json)) {
      return { httpStatus: status as HealthHttpStatus, body: json as HealthResponse }
    }
    throw toApiError(status, json)
  }

  /** POST /v1/join: asks the node to contact these multiaddrs. Per-address failures are in `errors`. Needs the API token. */
  async join (addrs: string[], token: string): Promise<JoinResponse> {
    const body: JoinRequest = { addrs }
    return await this.call<JoinResponse>('POST', '/v1/join', body, bearer(token))
  }

  /** POST /v1/leave: asks the node to leave the cluster gracefully. Needs the API token. */
  async leave (token: string): Promise<LeaveResponse> {
    return await this.call<LeaveResponse>('POST', '/v1/leave', undefined, bearer(token))
  }

  /**
   * POST /v1/audit?ack=…: appends an application event to this node's chain. Needs the node's
   * API token (`<data>/api-token`). Errors: 400 invalid_request, 401 unauthorized, 504 quorum_timeout.
   */
  async appendAudit (fields: AuditAppendRequest, ack: AuditAck, token: string): Promise<AuditAppendResponse> {
    return await this.call<AuditAppendResponse>('POST', `/v1/audit?ack=${ack}`, fields, { authorization: `Bearer ${token}` })
  }

  /**
   * POST /v1/audit/batch?ack=…: appends up to MAX_AUDIT_BATCH events in one write, all or none;
   * resolves with each entry's `{ origin, seq, hash }` in order. A bad entry is a 400 naming
   * `entries.<index>.<field>`, and nothing is stored. Needs the node's API token.
   */
  async appendAuditBatch (entries: AuditAppendRequest[], ack: AuditAck, token: string): Promise<AuditBatchResponse> {
    return await this.call<AuditBatchResponse>('POST', `/v1/audit/batch?ack=${ack}`, { entries }, { authorization: `Bearer ${token}` })
  }

  /** GET /v1/escalations?box&status: one box (outbox by default), newest first. */
  async escalations (params: { box?: 'inbox' | 'outbox', status?: string } = {}): Promise<EscalationsResponse> {
    const search = new URLSearchParams()
    if (params.box !== undefined) search.set('box', params.box)
    if (params.status !== undefined) search.set('status', params.status)
    const q = search.toString()
    return await this.call<EscalationsResponse>('GET', `/v1/escalations${q === '' ? '' : `?${q}`}`)
  }

  /** GET /v1/escalations/:id, from whichever box holds it. */
  async escalation (id: string): Promise<EscalationDetail> {
    return await this.call<EscalationDetail>('GET', `/v1/escalations/${encodeURIComponent(id)}`)
  }

  /** POST /v1/escalations: durable in the node's outbox when it answers. Needs the API token. */
  async escalate (body: EscalationRequest, token: string): Promise<EscalationCreated> {
    return await this.call<EscalationCreated>('POST', '/v1/escalations', body, { authorization: `Bearer ${token}` })
  }

  /** POST /v1/escalations/:id/ack or /resolve, on the authority that received it. Needs the API token. */
  async advanceEscalation (id: string, verb: 'ack' | 'resolve', token: string): Promise<EscalationDetail> {
    return await this.call<EscalationDetail>('POST', `/v1/escalations/${encodeURIComponent(id)}/${verb}`, undefined, { authorization: `Bearer ${token}` })
  }

  /** GET /v1/agents: the agents this node supervises, with their state, probes and quarantine. */
  async agents (): Promise<AgentsResponse> {
    return await this.call<AgentsResponse>('GET', '/v1/agents')
  }

  /** GET /v1/agents/:id. An unknown agent is an ApiError with status 404. */
  async agent (name: string): Promise<AgentInfo> {
    return await this.call<AgentInfo>('GET', `/v1/agents/${encodeURIComponent(name)}`)
  }

  /**
   * POST /v1/agents: defines and starts an agent. `definition` is sent as is: the node validates
   * it (400 invalid_request naming the key; 409 conflict if the name is taken). Needs the API token.
   */
  async defineAgent (definition: unknown, token: string): Promise<AgentInfo> {
    return await this.call<AgentInfo>('POST', '/v1/agents', definition, bearer(token))
  }

  /** DELETE /v1/agents/:id: stops and forgets an API-defined agent (409 for one from the config). Needs the API token. */
  async removeAgent (name: string, token: string): Promise<AgentRemoved> {
    return await this.call<AgentRemoved>('DELETE', `/v1/agents/${encodeURIComponent(name)}`, undefined, bearer(token))
  }

  /** GET /v1/services: the cluster services, their instances and status, as this node sees the cluster. */
  async services (): Promise<ServicesResponse> {
    return await this.call<ServicesResponse>('GET', '/v1/services')
  }

  /** GET /v1/services/:name. An unknown service is an ApiError with status 404. */
  async service (name: string): Promise<ServiceInfo> {
    return await this.call<ServiceInfo>('GET', `/v1/services/${encodeURIComponent(name)}`)
  }

  /**
   * POST /v1/services: defines or updates a cluster service, through the coordinator. `definition`
   * is sent as is: the node validates it (400 invalid_request naming the key); 503 no_coordinator
   * when the node knows no coordinator. Needs the API token.
   */
  async defineService (definition: unknown, token: string): Promise<ServiceInfo> {
    return await this.call<ServiceInfo>('POST', '/v1/services', definition, bearer(token))
  }

  /** DELETE /v1/services/:name: removes a cluster service; its instances stop. Needs the API token. */
  async removeService (name: string, token: string): Promise<{ removed: string }> {
    return await this.call<{ removed: string }>('DELETE', `/v1/services/${encodeURIComponent(name)}`, undefined, bearer(token))
  }

  /** POST /v1/drain: drains `node` (this node when absent) of its service instances, or ends the drain (`undo`). Needs the API token. */
  async drain (options: { node?: string, undo?: boolean }, token: string): Promise<DrainResponse> {
    return await this.call<DrainResponse>('POST', '/v1/drain', { ...(options.node === undefined ? {} : { node: options.node }), undo: options.undo === true }, bearer(token))
  }

  /** POST /v1/agents/:id/start|stop|restart (409 while quarantined, except stop). Needs the API token. */
  async controlAgent (name: string, action: AgentAction, token: string): Promise<AgentInfo> {
    return await this.call<AgentInfo>('POST', `/v1/agents/${encodeURIComponent(name)}/${action}`, undefined, bearer(token))
  }

  /** POST /v1/agents/:id/release: lifts an ethics quarantine (403 unless this node may). Needs the API token. */
  async releaseAgent (name: string, token: string): Promise<AgentReleased> {
    return await this.call<AgentReleased>('POST', `/v1/agents/${encodeURIComponent(name)}/release`, undefined, bearer(token))
  }

  /** GET /v1/audit: one page of entries in time order, and the cursor of the next page. */
  async queryAudit (params: AuditQueryParams = {}): Promise<AuditQueryResponse> {
    return await this.call<AuditQueryResponse>('GET', `/v1/audit${auditQueryString(params)}`)
  }

  /** GET /v1/audit/verify: checks every chain the node holds. */
  async verifyAudit (): Promise<AuditVerifyResponse> {
    return await this.call<AuditVerifyResponse>('GET', '/v1/audit/verify')
  }

  /**
   * GET /v1/audit/stream: the entries the node receives from now on, until `signal` aborts (the
   * iteration then ends quietly) or the node closes the stream (it ends too). The timeout covers
   * only the wait for the response headers.
   */
  streamAudit (signal: AbortSignal): AsyncIterable<AuditEntryView> {
    return openAuditStream(this.baseUrl, this.timeoutMs, signal)
  }

  /**
   * GET /v1/events: `hello`, then the node's events as they happen (membership, coordinator,
   * agents, escalations, modes, audit entries), until `signal` aborts (the iteration then ends
   * quietly) or the node closes the stream (it ends too). With `lastEventId`, the node first
   * replays what came after it, or sends `reset` when it cannot. One connection: reconnecting is
   * the caller's choice. The timeout covers only the wait for the response headers.
   */
  streamEvents (opts: EventStreamOptions): AsyncIterable<StreamMessage> {
    return openEventStream(this.baseUrl, this.timeoutMs, opts)
  }

  /** A request whose only success is a 2xx; the body is trusted to be T (the API's contract). */
  private async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const { status, json } = await this.send(method, path, body, headers)
    if (status >= 200 && status < 300) return json as T
    throw toApiError(status, json)
  }

  /** Sends one request and parses the JSON answer, whatever its status. */
  private async send (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number, json: unknown }> {
    let status: number
    let text: string
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        // Every call but a read says it sends JSON, with `{}` when there is nothing to say: the
        // node refuses any other (a web page's cross-site form post cannot send this type).
        headers: method === 'GET'
          ? { accept: 'application/json', ...headers }
          : { accept: 'application/json', 'content-type': 'application/json', ...headers },
        body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
        // One deadline for connecting and reading the body: a node that stalls mid-answer is as
        // useless to the caller as one that never answered.
        signal: AbortSignal.timeout(this.timeoutMs)
      })
      status = res.status
      text = await res.text()
    } catch (err) {
      throw new NodeUnreachableError(this.baseUrl, describeFetchFailure(err, this.timeoutMs), { cause: err })
    }
    try {
      return { status, json: JSON.parse(text) }
    } catch (err) {
      throw new ApiError(status, 'bad_response',
        `the node API at ${this.baseUrl} answered HTTP ${status} to ${method} ${path} with a body that ` +
        'is not JSON (is something else listening on that port?)', { cause: err })
    }
  }
}

function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

export function isErrorBody (json: unknown): json is ApiErrorBody {
  if (typeof json !== 'object' || json === null || !('error' in json)) return false
  const error: unknown = json.error
  return typeof error === 'object' && error !== null &&
    'code' in error && typeof error.code === 'string' &&
    'message' in error && typeof error.message === 'string'
}

/** Turns a non-success answer into an ApiError, with the API's code and message when it sent them. */
export function toApiError (status: number, json: unknown): ApiError {
  if (isErrorBody(json)) return new ApiError(status, json.error.code, json.error.message, { cause: json })
  return new ApiError(status, 'bad_response',
    `the node API answered HTTP ${status} without the { error: { code, message } } body`, { cause: json })
}

/**
 * The human reason why fetch gave up. undici hides the socket error under `cause` of a bare
 * `TypeError: fetch failed`; with several addresses (localhost: ::1 and 127.0.0.1) it is an
 * AggregateError whose own message is empty.
 */
export function describeFetchFailure (err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
  let reason: unknown = err instanceof Error && err.cause !== undefined ? err.cause : err
  if (reason instanceof AggregateError && reason.errors.length > 0) reason = reason.errors[0]
  if (reason instanceof Error) {
    // fetch refuses some ports outright (its list of "bad ports": 1, 6000, 10080, ...) and says
    // only "bad port", which reads like a typo in --api rather than a rule of fetch.
    if (reason.message === 'bad port') {
      return 'fetch refuses to connect to this port (a "bad port" in the fetch standard); use another port'
    }
    if (reason.message !== '') return reason.message
    const code = (reason as { code?: unknown }).code
    if (typeof code === 'string') return code
  }
  return String(reason)
}
