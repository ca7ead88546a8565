/**
 * Per-origin heads and the anti-entropy diff (docs/design/audit.md, issue #4).
 *
 * Anti-entropy by push-pull: two nodes swap
 * their heads `{ [origin]: { seq, hash } }`. Because each origin's chain is contiguous and
 * hash-linked, a head summarises the whole chain: if a peer's head for an origin is above mine,
 * I pull `(mySeq, theirSeq]`, in ranges of at most `maxBatch` entries, at most `maxRanges` per
 * round, taken round-robin over origins so one long backlog does not starve the others.
 *
 * A fork (the same origin and seq with two hashes: an origin that equivocated, or a node that
 * lost its disk and reused its seqs) is reported, never repaired: the first chain stored wins
 * locally and the other is evidence. The diff sees a fork when both heads sit at the same seq;
 * where the peer's head is below mine, `check` lists the claims to compare with my stored entry
 * (`AuditStore.compareHead`); where theirs is above, the pulled entry's `prev` exposes it.
 * Pure functions.
 */
import { z } from 'zod'
import { peerIdString } from '../wire/messages.js'

export interface Head { seq: number, hash: string }
/** A head as the store keeps it: with the Lamport time of the entry at it. */
export interface StoredHead extends Head { lamport: number }
export type Heads = Record<string, Head>

/** Entries `fromSeq..toSeq` (inclusive) of `origin`. */
export interface PullRange { origin: string, fromSeq: number, toSeq: number }

export interface ForkReport {
  origin: string
  seq: number
  /** Hash I hold at `seq`. */
  mine: string
  /** Hash the peer holds (or claims as `prev`) at `seq`. */
  theirs: string
}

export interface HeadsDiff {
  /** What to pull from the peer, round-robin over origins, bounded by `maxRanges`. */
  pull: PullRange[]
  /** True when `pull` was cut at `maxRanges`: the next round continues. */
  truncated: boolean
  /** Forks visible from the heads alone (same seq, different hash). */
  forks: ForkReport[]
  /** The peer's heads below mine: compare each with my entry at that seq to find a fork. */
  check: Array<{ origin: string, seq: number, hash: string }>
}

export interface DiffOptions {
  /** Entries per pulled range (one request/response on the sync stream). */
  maxBatch: number
  /** Ranges per anti-entropy round; with maxBatch, bounds the entries pulled per round. */
  maxRanges: number
}

/** Heads as a peer sends them; bounded so a peer cannot make us diff without limit. */
export const headsSchema = z.record(peerIdString, z.object({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  hash: z.string().regex(/^[0-9a-f]{64}$/)
}).strict()).refine((h) => Object.keys(h).length <= 10_000, 'more than 10000 origins')

/** Splits `fromSeq..toSeq` into ranges of at most `maxBatch` entries, in order. */
export function splitRange (origin: string, fromSeq: number, toSeq: number, maxBatch: number): PullRange[] {
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`)
  const out: PullRange[] = []
  for (let from = fromSeq; from <= toSeq; from += maxBatch) {
    out.push({ origin, fromSeq: from, toSeq: Math.min(toSeq, from + maxBatch - 1) })
  }
  return out
}

/**
 * What I must pull from a peer, given my heads and theirs. Origins are visited in sorted order,
 * so two runs on the same input give the same plan. Forked origins are not pulled.
 */
export function diffHeads (mine: Heads, theirs: Heads, opts: DiffOptions): HeadsDiff {
  const { maxBatch, maxRanges } = opts
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`)
  if (!Number.isSafeInteger(maxRanges) || maxRanges < 1) throw new RangeError(`maxRanges must be a positive integer, got ${maxRanges}`)
  const forks: ForkReport[] = []
  const check: HeadsDiff['check'] = []
  const wanted: Array<{ origin: string, from: number, to: number }> = []
  for (const origin of Object.keys(theirs).sort()) {
    const t = theirs[origin]
    if (t === undefined) continue
    const m = Object.hasOwn(mine, origin) ? mine[origin] : undefined
    const mySeq = m?.seq ?? 0
    if (m !== undefined && t.seq === m.seq) {
      if (t.hash !== m.hash) forks.push({ origin, seq: t.seq, mine: m.hash, theirs: t.hash })
    } else if (t.seq < mySeq) {
      check.push({ origin, seq: t.seq, hash: t.hash })
    } else {
      wanted.push({ origin, from: mySeq + 1, to: t.seq })
    }
  }
  // Round-robin: the first batch of every origin, then the second of each, and so on.
  const pull: PullRange[] = []
  let truncated = false
  let round = 0
  while (wanted.length > 0) {
    for (let i = 0; i < wanted.length;) {
      const w = wanted[i] as { origin: string, from: number, to: number }
      const from = w.from + round * maxBatch
      if (from > w.to) { wanted.splice(i, 1); continue }
      if (pull.length === maxRanges) { truncated = true; break }
      pull.push({ origin: w.origin, fromSeq: from, toSeq: Math.min(w.to, from + maxBatch - 1) })
      i++
    }
    if (truncated) break
    round++
  }
  return { pull, truncated, forks, check }
}

/** A fork between my hash and a peer's claim at the same (origin, seq), or null if they agree. */
export function forkAt (origin: string, seq: number, mine: string, theirs: string): ForkReport | null {
  return mine === theirs ? null : { origin, seq, mine, theirs }
}
