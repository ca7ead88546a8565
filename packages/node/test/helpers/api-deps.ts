/** Stub dependencies of buildApi for route tests: every part answers something plausible and inert. */
import type { ApiDeps } from '../../src/api/server.js'
import type { HealthResponse } from '@kos/client'

export function stubApiDeps (overrides: Partial<ApiDeps> = {}): ApiDeps {
  return {
    node: () => ({ peerId: 'self', name: 'a', role: 'member', zone: null, addrs: [], version: 't', startedAt: 'x', incarnation: 1, mode: 'normal', cluster: 'kos', coordinator: null, term: 0 }),
    coordinator: () => ({ peerId: null, name: null, term: 0, since: null, leaseRemainingMs: 0, voters: [], votersVersion: 0, quorum: 1 }),
    peers: () => ({ self: 'self', peers: [] }),
    peer: () => undefined,
    health: (): HealthResponse => ({ status: 'passing', mode: 'normal', checks: [] }),
    join: async (addrs: string[]) => ({ joined: addrs.length, errors: [] }),
    leave: () => {},
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: '' }),
    apiToken: () => 'tok',
    escalations: { self: () => 'self', create: async () => ({ id: 'x', created: true }), list: () => [], get: () => undefined, advance: async () => undefined },
    audit: {
      appendMany: async () => [],
      append: async () => ({ origin: 'o', seq: 1, hash: 'h' }),
      query: async () => ({ entries: [], next: null }),
      verify: async () => ({ ok: true, checked: 0, breaks: [] }),
      subscribe: () => () => {}
    },
    ...overrides
  }
}
