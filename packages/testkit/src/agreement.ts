/**
 * Whether a set of nodes agrees on a member's state: what a cluster test polls for before it
 * asserts anything else.
 */
import type { KosProcess } from './kos-process.js'

/**
 * True if every node of `among` sees every other node of `among` in `state` (`target`: just
 * that one); else it throws, naming a node that does not yet and an example of what it lacks,
 * which a poll (`Cluster.waitFor`) retries and names when it times out.
 */
export async function everyNodeSees (among: readonly KosProcess[], state: string, target?: KosProcess): Promise<true> {
  for (const n of among) {
    const peers = (await n.peers()).peers
    const wanted = target === undefined ? among.filter((m) => m !== n) : [target]
    const off = wanted.filter((m) => peers.find((p) => p.peerId === m.peerId)?.state !== state)
    if (off.length > 0) throw new Error(`${n.name} does not see ${off.length} as ${state}, e.g. ${off[0]!.name}`)
  }
  return true
}
