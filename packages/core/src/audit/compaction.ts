/**
 * The LevelDB side of retention (issue #4 "Retention"): reading the prefix of a chain that is
 * about to go, checking it before a checkpoint vouches for it, and the delete operations. The
 * store (store.ts) runs these under its write lock and writes the deletes in the same synced
 * batch as the checkpoint, so after a crash either the prefix is there and the old checkpoint
 * names its base, or it is gone and the new one does: never a hole without a checkpoint.
 */
import type { AuditCheckpoint } from './checkpoint.js'
import { entryHash, type ChainLink, type VerifyFailure } from './entry.js'
import { AuditChainError } from './errors.js'
import { decodeStored, ENCODINGS, entryKey, entryPrefix, originTimeKey, timeKey, type AuditBatchOp, type AuditDb } from './keys.js'
import { ZERO_HASH, type AuditEntry } from './schema.js'

/** What one `compact` call did: `deleted` entries, and the checkpoint it wrote (if it moved the base). */
export interface CompactResult { origin: string, deleted: number, checkpoint: AuditCheckpoint | null }

/**
 * `acceptCheckpoint`: 'accepted' (the base of the chain is now the checkpoint; `deleted` held
 * entries below it went), 'stale' (we hold the chain up to `haveSeq` >= its seq already), or
 * 'invalid': 'schema', 'origin' (the signer is not an Ed25519 peer id), 'signature' (not signed
 * by its signer), 'signer' (signed by someone other than the trusted peer).
 */
export type CheckpointResult =
  | { status: 'accepted', deleted: number }
  | { status: 'stale', haveSeq: number }
  | { status: 'invalid', reason: VerifyFailure | 'signer' }

/** An origin's chain as retention sees it: checkpoint seq (0 if none) and head seq. */
export interface ChainBounds { origin: string, base: number, headSeq: number }

/**
 * The held entries of `origin` with afterSeq < seq <= throughSeq, in seq order, at most `limit`;
 * leftovers below a checkpoint included (they are what a sweep deletes).
 */
export async function readPrefix (db: AuditDb, origin: string, afterSeq: number, throughSeq: number, limit: number): Promise<AuditEntry[]> {
  if (throughSeq <= afterSeq || throughSeq < 1 || limit < 1) return []
  const out: AuditEntry[] = []
  const gt = afterSeq < 1 ? entryPrefix(origin) : entryKey(origin, afterSeq)
  for await (const [, value] of db.iterator({ gt, lte: entryKey(origin, throughSeq), limit, ...ENCODINGS })) {
    out.push(decodeStored(value))
  }
  return out
}

/** Deletes an entry's three keys: the entry and both time indexes (keys.ts). */
export function deleteOps (entries: readonly AuditEntry[]): AuditBatchOp[] {
  const ops: AuditBatchOp[] = []
  for (const e of entries) {
    ops.push({ type: 'del', key: entryKey(e.origin, e.seq) }, { type: 'del', key: timeKey(e) }, { type: 'del', key: originTimeKey(e) })
  }
  return ops
}

/**
 * Checks the entries above the current base before a new checkpoint vouches for them: each
 * must sit at the next seq, link to its predecessor (the old checkpoint, or ZERO_HASH for seq 1)
 * and hash to its `hash`; and the first surviving entry `next` must link to the last. Signatures
 * are not re-checked (every entry was verified when stored; `verifyAll` re-checks them).
 * Throws AuditChainError otherwise: a tampered prefix is evidence, and compacting it would
 * destroy it, so retention stops there until an operator looks (`kos audit verify`).
 */
export function checkPrefix (dropping: readonly AuditEntry[], base: ChainLink | null, next: AuditEntry | undefined): void {
  let link = base
  for (const e of dropping) {
    const seq = link === null ? 1 : link.seq + 1
    const prev = link === null ? ZERO_HASH : link.hash
    if (e.seq !== seq || e.prev !== prev || entryHash(e) !== e.hash) {
      throw new AuditChainError(`audit chain of ${e.origin} is broken at seq ${e.seq}: not compacted (run kos audit verify)`)
    }
    link = e
  }
  if (link !== null && (next === undefined || next.seq !== link.seq + 1 || next.prev !== link.hash)) {
    throw new AuditChainError(`audit chain of ${link.origin} is broken after seq ${link.seq}: not compacted (run kos audit verify)`)
  }
}
