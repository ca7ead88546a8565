/**
 * Who should coordinate first: designated archons, then the lowest peer id, among the alive
 * members and self. A role label counts only where the config's `authorities` designates that
 * peer: anyone can claim `--role archon`.
 */
export interface RankedMember { peerId: string, state: string, role: string }

export function electionRanking (selfId: string, selfIsArchon: boolean, members: readonly RankedMember[], archons: readonly string[]): string[] {
  const live = members.filter((m) => m.state === 'alive').map((m) => ({ id: m.peerId, archon: m.role === 'archon' && archons.includes(m.peerId) }))
  live.push({ id: selfId, archon: selfIsArchon })
  live.sort((a, b) => a.archon === b.archon ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.archon ? -1 : 1)
  return live.map((x) => x.id)
}
