/**
 * One or more valid inputs per fuzz target, as a genuine peer or client would send them: the
 * seeds the mutations start from. Audit entries and checkpoints are signed with the real
 * helpers (createEntry, createCheckpoint) by Ed25519 keys from fixed seeds, so every run
 * mutates the same bytes.
 */
import { createCheckpoint, type AuditCheckpoint } from '@kos/core'
import { createEntry, type AuditSigner } from '@kos/core'
import type { AuditEntry } from '@kos/core'
import { buildChain, seededSigner } from '../helpers/audit-fixtures.js'

const T0 = 1_700_000_000_000

export interface AuditFixtures {
  /** Entries 1..3 of A's chain. */
  chain: AuditEntry[]
  /** B's first entry, with nested details of every JSON type. */
  rich: AuditEntry
  /** B's checkpoint of A's entries 1..2. */
  checkpoint: AuditCheckpoint
  a: AuditSigner
  b: AuditSigner
}

export async function auditFixtures (): Promise<AuditFixtures> {
  const a = await seededSigner(41)
  const b = await seededSigner(42)
  const chain = await buildChain(a, 3)
  const rich = await createEntry(null, {
    class: 'agent', type: 'agent:restarted', severity: 'warning', subject: 'worker-1 ünïcode 😀',
    details: { reason: 'exit', code: -1, ratio: 0.25, big: Number.MAX_SAFE_INTEGER, ok: false, none: null, list: [1, 'two', { three: [3] }] }
  }, b, 7, T0)
  const last = chain[1] as AuditEntry
  const checkpoint = await createCheckpoint({ origin: last.origin, seq: last.seq, hash: last.hash, lamport: last.lamport, ts: last.ts }, b, T0 + 60_000)
  return { chain, rich, checkpoint, a, b }
}

export interface WireFixtures {
  heartbeat: object[]
  notice: object[]
  sync: object[]
  probeRequest: object[]
  probeResponse: object[]
  election: object[]
  direct: object[]
  push: object[]
  escalationRequest: object[]
  escalationAnswer: object[]
  placementTable: object[]
  serviceRequest: object[]
  serviceResponse: object[]
}

/** The membership, election, replication and escalation messages between peers `a` and `b`. */
export function wireFixtures (audit: AuditFixtures): WireFixtures {
  const a = audit.a.peerId
  const b = audit.b.peerId
  const addrs = ['/ip4/127.0.0.1/tcp/4001', `/ip4/10.0.0.2/tcp/4002/p2p/${a}`]
  const health = { name: 'node-a', role: 'member', incarnation: 3, version: '0.1.0', uptimeMs: 12_345, mode: 'normal' }
  const detail = { cpuPercent: 12.5, rssBytes: 80e6, heapUsedBytes: 40e6, eventLoopDelayP99Ms: 3.2, agents: { total: 2, running: 1, failed: 0, quarantined: 1 } }
  const snapshot = (peerId: string, state: string, incarnation: number): object => ({ peerId, name: `n-${state}`, role: 'member', addrs, state, incarnation })
  const [e1, e2] = audit.chain as [AuditEntry, AuditEntry, AuditEntry]
  const record = {
    id: 'esc-1', class: 'node', severity: 'critical', subject: 'node-b', summary: 'node-b is dead',
    evidence: [{ origin: a, seq: 2 }], origin: a, createdAt: '2024-01-01T00:00:00.000Z', route: ['archon', 'operators']
  }
  return {
    heartbeat: [
      { v: 2, t: 'heartbeat', incarnation: 3, addrs, health: { ...health, ...detail, services: [{ service: 'web', id: 'web-0', generation: 2, ready: true, state: 'running', sinceMs: 1_700_000_000_000 }] } },
      { v: 2, t: 'heartbeat', incarnation: 0, addrs: [], health: { ...health, incarnation: 0, role: 'junzi', mode: 'degraded' } }
    ],
    notice: ['alive', 'suspect', 'dead', 'left'].map((state, i) => ({ v: 2, t: 'notice', state, target: i % 2 === 0 ? a : b, incarnation: i, name: 'node-b', role: 'archon', addrs })),
    sync: [
      { v: 2, t: 'sync', members: [snapshot(a, 'alive', 1), snapshot(b, 'suspect', 4)] },
      { v: 2, t: 'sync', members: [] }
    ],
    probeRequest: [{ v: 2, t: 'probe', target: b }],
    probeResponse: [{ v: 2, t: 'probe-ack', target: b, reachable: true }],
    election: [
      { v: 2, t: 'election', m: { type: 'pre-vote', term: 4, configVersion: 2_000_001 } },
      { v: 2, t: 'election', m: { type: 'pre-vote-reply', term: 4, granted: true } },
      { v: 2, t: 'election', m: { type: 'vote', term: 5, configVersion: 2_000_001 }, config: { term: 2, version: 1, voters: [a, b] } },
      { v: 2, t: 'election', m: { type: 'vote-reply', term: 5, granted: false } },
      { v: 2, t: 'election', m: { type: 'heartbeat', term: 5, sentAt: 1234.5 }, config: { term: 2, version: 1, voters: [a, b] } },
      { v: 2, t: 'election', m: { type: 'heartbeat-ack', term: 5, sentAt: 1234.5, ok: true }, held: { term: 2, version: 1 } }
    ],
    direct: [
      { kind: 'heads', heads: { [a]: { seq: 3, hash: e2.hash }, [b]: { seq: 1, hash: audit.rich.hash } } },
      { kind: 'heads', heads: {}, only: [a] },
      { kind: 'entries', entries: [e1, e2], more: true },
      { kind: 'ack', origin: a, seq: 2 },
      { kind: 'checkpoint', checkpoint: audit.checkpoint }
    ],
    push: [{ kind: 'push', entries: [audit.rich] }, { kind: 'push', entries: audit.chain }],
    escalationRequest: [
      { t: 'escalate', record },
      { t: 'status', id: 'esc-1', status: 'acked' },
      { t: 'authorities' }
    ],
    placementTable: [
      { v: 2, t: 'placement', term: 7, version: 3, assignments: [{ service: 'web', id: 'web-0', slot: 0, generation: 4, node: a }, { service: 'web', id: 'web-1', slot: 1, generation: 1, node: b }] },
      { v: 2, t: 'placement', term: 1, version: 1, assignments: [] }
    ],
    serviceRequest: [
      { v: 2, t: 'define', spec: { name: 'web', command: 'node', replicas: 2, readiness: { http: 'http://127.0.0.1:${PORT}/healthz' } } },
      { v: 2, t: 'remove', name: 'web' },
      { v: 2, t: 'drain', node: b, draining: true }
    ],
    serviceResponse: [{ v: 2, t: 'result', code: 'ok', message: 'stored' }, { v: 2, t: 'result', code: 'no_coordinator', message: 'none' }],
    escalationAnswer: [
      { ok: true, status: 'delivered' },
      { ok: true, authorities: { junzi: [a], archon: [b] } },
      { ok: false, error: 'inbox full' }
    ]
  }
}

export interface ApiFixtures {
  auditBody: object[]
  auditQuery: Array<Record<string, string | string[]>>
  ackQuery: object[]
  joinBody: object[]
  escalationInput: object[]
  escalationListQuery: object[]
  agentSpec: object[]
  serviceSpec: object[]
  drainBody: object[]
  ethicsBody: object[]
  errorsBody: object[]
}

/** Bodies and query strings of the local API, as a client sends them. */
export function apiFixtures (audit: AuditFixtures): ApiFixtures {
  const a = audit.a.peerId
  const probe = { http: 'http://127.0.0.1:8080/health', initialDelayMs: 0, periodMs: 1000, timeoutMs: 500, failureThreshold: 3, successThreshold: 1 }
  return {
    auditBody: [
      { class: 'operator', type: 'deploy:done', severity: 'notice', subject: 'api', details: { version: '1.2.3', hosts: ['a', 'b'], n: 2 } },
      { class: 'node', type: 'member:join', severity: 'info', subject: '' }
    ],
    auditQuery: [
      { origin: a, class: 'node', severity: 'warning', since: '1700000000000', until: '2024-01-02T00:00:00Z', limit: '50', cursor: 'dDowMDAwMDAwMDAwMDAwMQ' },
      { limit: '1' }
    ],
    ackQuery: [{ ack: 'quorum' }, { ack: 'local' }, {}],
    joinBody: [{ addrs: ['/ip4/127.0.0.1/tcp/4001', `/ip4/10.0.0.2/tcp/4002/p2p/${a}`] }],
    escalationInput: [
      { id: 'inc-42', class: 'ethics', severity: 'critical', subject: 'agent x', summary: 'policy breach', evidence: [{ origin: a, seq: 3 }], route: ['junzi', 'operators'] },
      { class: 'node', severity: 'info', summary: 's' }
    ],
    escalationListQuery: [{ box: 'inbox', status: 'acked' }, {}],
    agentSpec: [
      {
        name: 'worker-1', command: '/usr/bin/node', args: ['agent.js', '--port', '8080'], env: { MODE: 'prod' }, inheritEnv: ['PATH', 'HOME'],
        cwd: '/tmp/w', critical: true, essential: false, liveness: probe, readiness: { tcp: 8080 }, startup: { exec: ['true'] },
        restart: { policy: 'on-failure', initialBackoffMs: 100, backoffMultiplier: 2, maxBackoffMs: 10_000, jitter: 0.1, resetAfterHealthyMs: 60_000, maxRestarts: 5, intensityWindowMs: 60_000 },
        limits: { memoryMb: 256, cpuPercent: 50 }, errorPattern: '\\bERROR\\b', safeMode: 'stop', stopGraceMs: 1000
      },
      { name: 'a', command: 'sleep' }
    ],
    serviceSpec: [
      { name: 'web', command: 'node', args: ['srv.js', '--port', '${PORT}'], replicas: 3, spread: 'zone', nodeSelector: { roles: ['member'], zones: ['z1', 'z2'] }, readiness: { http: 'http://127.0.0.1:${PORT}/healthz', periodMs: 200 } },
      { name: 'a', command: 'sleep', replicas: 1 }
    ],
    drainBody: [{ node: a, undo: true }, {}],
    ethicsBody: [{ verdict: 'violation', severity: 'critical', rule: 'no-exfiltration', details: { target: 'x', n: 1 } }, { verdict: 'pass', rule: 'r' }],
    errorsBody: [{ count: 3, message: 'boom' }, {}]
  }
}
