/**
 * Who may quarantine an agent name cluster-wide. A quarantine entry is honoured only from a
 * designated Junzi peer, or from a node that hosts an agent of that name: it saw the violation
 * itself. Any other origin (an admitted but hostile peer, or an operator appending an
 * `agent:quarantined` entry through the API of a node that runs no such agent) is refused, so no
 * one can stop another node's agents by writing an entry.
 *
 * A node shows that it hosts an agent by its own chain: the `agent:defined` entry it wrote when
 * the agent was defined there, always earlier in that chain than its quarantine, so already held
 * when the quarantine arrives.
 */
import type { AuditPage, AuditQuery } from '@kos/core'

/** Pages of an origin's agent entries read to find its definition; bounds the work per quarantine. */
const MAX_PAGES = 20

/** Whether `origin`'s chain held here shows it defined an agent called `name`. */
export async function originHosts (query: (q: AuditQuery) => Promise<AuditPage>, origin: string, name: string): Promise<boolean> {
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await query({ origin, class: 'agent', limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
    if (res.entries.some((e) => e.type === 'agent:defined' && e.subject === name)) return true
    if (res.next === null) return false
    cursor = res.next
  }
  return false
}
