/**
 * An in-memory `AuditDb` for the simulated disk: the real `AuditStore` runs on it unchanged (its
 * verification, group commit, heads and range reads), with every promise resolving on the
 * microtask queue. No timers and no I/O, so the simulator can settle a node's store work
 * between two events with no virtual time passing: a zero-latency disk.
 *
 * Keys are kept sorted (LevelDB orders keys bytewise; these keys are ASCII, where JS string
 * order is byte order). A batch applies at once (atomic: a crash between two events can never
 * see half of it); an iterator copies its slice when created, as a LevelDB iterator reads from
 * an implicit snapshot.
 */
import { decodeStored, entryKey, type AuditBatchOp, type AuditDb, type AuditEntry, type AuditIteratorOptions, type AuditSnapshot } from '@kos/core'

const ENTRY_PREFIX = 'e!'

export class MemoryAuditDb implements AuditDb {
  private readonly values = new Map<string, Uint8Array>()
  private readonly keys: string[] = []

  async open (): Promise<void> {}

  async get (key: string, _options?: unknown): Promise<Uint8Array | undefined> {
    return this.values.get(key)
  }

  async getMany (keys: string[], _options?: unknown): Promise<Array<Uint8Array | undefined>> {
    return keys.map((k) => this.values.get(k))
  }

  async batch (ops: AuditBatchOp[], _options?: unknown): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') {
        if (!this.values.has(op.key)) this.keys.splice(this.lowerBound(op.key), 0, op.key)
        this.values.set(op.key, op.value)
      } else if (this.values.delete(op.key)) {
        this.keys.splice(this.lowerBound(op.key), 1)
      }
    }
  }

  iterator (o: AuditIteratorOptions): AsyncIterable<[string, Uint8Array]> {
    let from = o.gt !== undefined ? this.upperBound(o.gt) : o.gte !== undefined ? this.lowerBound(o.gte) : 0
    let to = o.lt !== undefined ? this.lowerBound(o.lt) : o.lte !== undefined ? this.upperBound(o.lte) : this.keys.length
    const limit = o.limit !== undefined && o.limit >= 0 ? o.limit : Infinity
    if (to - from > limit) {
      if (o.reverse === true) from = to - limit
      else to = from + limit
    }
    const slice: Array<[string, Uint8Array]> = this.keys.slice(from, Math.max(from, to)).map((k) => [k, this.values.get(k)!])
    if (o.reverse === true) slice.reverse()
    return {
      async * [Symbol.asyncIterator] () { yield * slice }
    }
  }

  /** Iterators copy what they read when created, so every read already sees one state. */
  snapshot (): AuditSnapshot {
    return { close: async () => {} }
  }

  /**
   * Every held entry as `(origin, seq, hash)`, read synchronously from the stored bytes: what
   * the invariant checkers compare across nodes, with no async store call.
   */
  heldEntries (): Array<{ origin: string, seq: number, hash: string }> {
    const out: Array<{ origin: string, seq: number, hash: string }> = []
    for (let i = this.lowerBound(ENTRY_PREFIX); i < this.keys.length && this.keys[i]!.startsWith(ENTRY_PREFIX); i++) {
      const e = decodeStored<AuditEntry>(this.values.get(this.keys[i]!)!)
      out.push({ origin: e.origin, seq: e.seq, hash: e.hash })
    }
    return out
  }

  /** Whether this disk holds `origin#seq` with this hash (synchronously, for the checkers). */
  holds (origin: string, seq: number, hash: string): boolean {
    const v = this.values.get(entryKey(origin, seq))
    return v !== undefined && decodeStored<AuditEntry>(v).hash === hash
  }

  /** The first index whose key is >= `key`. */
  private lowerBound (key: string): number {
    let lo = 0; let hi = this.keys.length
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.keys[mid]! < key) lo = mid + 1; else hi = mid }
    return lo
  }

  /** The first index whose key is > `key`. */
  private upperBound (key: string): number {
    let lo = 0; let hi = this.keys.length
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (this.keys[mid]! <= key) lo = mid + 1; else hi = mid }
    return lo
  }
}
