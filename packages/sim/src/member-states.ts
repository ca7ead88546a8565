/**
 * Each member's state as one simulated node's membership events told it (sim-membership.ts), by
 * node index in a byte array: the observers ask it for every node and member (N² at N = 10,000,
 * where a map per node came to ~50 bytes an entry).
 */
import type { MemberState } from '@kos/core'

const STATES: ReadonlyArray<MemberState | undefined> = [undefined, 'alive', 'suspect', 'dead', 'left']

function code (state: MemberState): number {
  switch (state) {
    case 'alive': return 1
    case 'suspect': return 2
    case 'dead': return 3
    case 'left': return 4
  }
}

export class MemberStates {
  private readonly ids: readonly string[]
  private readonly indexOf: ReadonlyMap<string, number>
  private readonly codes: Uint8Array

  constructor (ids: readonly string[], indexOf: ReadonlyMap<string, number>) {
    this.ids = ids
    this.indexOf = indexOf
    this.codes = new Uint8Array(ids.length)
  }

  /** The state held of `peerId`; undefined if none (never learnt, or removed). */
  get (peerId: string): MemberState | undefined {
    const i = this.indexOf.get(peerId)
    return i === undefined ? undefined : STATES[this.codes[i]!]
  }

  /** The same, by node index. */
  at (index: number): MemberState | undefined { return STATES[this.codes[index]!] }

  set (peerId: string, state: MemberState): void { this.codes[this.indexOf.get(peerId)!] = code(state) }
  delete (peerId: string): void { this.codes[this.indexOf.get(peerId)!] = 0 }

  /** Every member held, with its state, in node index order. */
  * [Symbol.iterator] (): IterableIterator<[string, MemberState]> {
    for (let i = 0; i < this.codes.length; i++) {
      const s = STATES[this.codes[i]!]
      if (s !== undefined) yield [this.ids[i]!, s]
    }
  }
}
