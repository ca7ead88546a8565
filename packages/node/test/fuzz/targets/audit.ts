/**
 * The replicated audit log's inputs from peers: entries (decoded, verified alone, verified as a
 * successor, prechecked by the store), replication messages (gossip push, direct heads, entries,
 * ack, checkpoint) and retention checkpoints. Beyond "typed refusal or valid value", an entry or
 * checkpoint that verifies must be one the fixtures' keys signed: a mutation never forges one.
 */
import { checkpointDigest, checkpointSchema, decodeCheckpoint, MAX_CHECKPOINT_BYTES, verifyCheckpoint, type AuditCheckpoint } from '@kos/core'
import { decodeEntry, entryHash, verifyEntry, verifyEntryContent, type ChainLink, type VerifyResult } from '@kos/core'
import { diffHeads, type Heads } from '@kos/core'
import { precheckReceived, type ReceivedLookups, type StoreResult } from '@kos/core'
import { REPLICATION_DEFAULTS } from '@kos/core'
import { auditEntrySchema, MAX_ENTRY_BYTES, type AuditEntry } from '@kos/core'
import { decodeDirect, decodePush, directSchema, MAX_REPLICATION_BYTES, pushSchema } from '@kos/core'
import fc from 'fast-check'
import type { AuditFixtures, WireFixtures } from '../fixtures.js'
import { cborInput, cborValueInput } from '../inputs.js'
import { allOf, expectOutcome, expectOutcomeAsync, isDecodeError, neverThrows, revalidates, type Outcome, type Validity } from '../outcome.js'
import { defineTarget, type FuzzTarget } from '../target.js'
import { identifiersUsable } from '../usable.js'

const VERIFY_FAILURES: readonly string[] = ['hash', 'signature', 'chain', 'seq', 'origin', 'schema']
/** A precheck also refuses genuine entries that would harm the store. */
const RECEIVE_FAILURES: readonly string[] = [...VERIFY_FAILURES, 'lamport', 'origins']

/** Why an accepted raw entry is not one of the signed fixtures, or null. */
function notGenuineEntry (genuine: ReadonlySet<string>): Validity<unknown> {
  return (raw) => {
    const parsed = auditEntrySchema.safeParse(raw)
    if (!parsed.success) return 'accepted an entry its schema refuses'
    if (entryHash(parsed.data) !== parsed.data.hash) return 'accepted an entry whose hash is not its content\'s'
    return genuine.has(parsed.data.hash) ? null : 'accepted an entry no key signed: a forgery'
  }
}

function verifyResultProblem (r: VerifyResult): string | null {
  if (r.ok) return null
  return VERIFY_FAILURES.includes(r.reason) ? null : `refused with an unknown reason ${String(r.reason)}`
}

/** A verify call: never throws; `{ ok: true }` only for what `genuine` says was signed. */
async function judgeVerify (call: () => Promise<VerifyResult> | VerifyResult, raw: unknown, genuine: Validity<unknown>): Promise<Outcome> {
  let ok = false
  await expectOutcomeAsync(async () => await call(), neverThrows, (r) => {
    ok = r.ok
    return verifyResultProblem(r) ?? (r.ok ? genuine(raw) : null)
  })
  return ok ? 'accepted' : 'refused'
}

function link (e: AuditEntry): ChainLink {
  return { origin: e.origin, seq: e.seq, hash: e.hash, lamport: e.lamport }
}

/** The store as a receiver of A's chain sees it: A's head at seq 2, entries 1..3 held. */
function lookupsOf (chain: readonly AuditEntry[]): ReceivedLookups {
  const [, second] = chain as [AuditEntry, AuditEntry]
  return {
    head: (origin) => origin === second.origin ? { seq: second.seq, hash: second.hash, lamport: second.lamport } : undefined,
    held: async (origin, seq) => origin === second.origin ? chain[seq - 1] : undefined,
    lamportCeiling: () => 1_000,
    origins: () => 1,
    maxOrigins: () => 4096
  }
}

function precheckProblem (raw: unknown, genuine: Validity<unknown>): Validity<StoreResult | AuditEntry> {
  return (r) => {
    if (!('status' in r)) return allOf(revalidates(auditEntrySchema), genuine)(r)
    if (r.status === 'duplicate') return genuine(raw)
    if (r.status === 'invalid') return RECEIVE_FAILURES.includes(r.reason) ? null : `refused with an unknown reason ${String(r.reason)}`
    return `a precheck never classifies, yet it said ${r.status}`
  }
}

/** The consumer of a decoded heads message: the anti-entropy diff, both ways. */
const headsDiffable = (mine: Heads): Validity<unknown> => (m) => {
  const msg = m as { kind: string, heads?: Heads }
  if (msg.kind !== 'heads' || msg.heads === undefined) return null
  diffHeads(mine, msg.heads, { maxBatch: REPLICATION_DEFAULTS.batch, maxRanges: REPLICATION_DEFAULTS.maxRanges })
  diffHeads(msg.heads, mine, { maxBatch: REPLICATION_DEFAULTS.batch, maxRanges: 1 })
  return null
}

export function auditTargets (audit: AuditFixtures, wire: WireFixtures): FuzzTarget[] {
  const entries: AuditEntry[] = [...audit.chain, audit.rich]
  const genuine = notGenuineEntry(new Set(entries.map((e) => e.hash)))
  const prevs: Array<ChainLink | null> = [null, ...audit.chain.map(link)]
  const lookups = lookupsOf(audit.chain)
  const signedDigest = Buffer.from(checkpointDigest(audit.checkpoint)).toString('hex')
  const genuineCheckpoint: Validity<unknown> = (raw) => {
    const parsed = checkpointSchema.safeParse(raw)
    if (!parsed.success) return 'accepted a checkpoint its schema refuses'
    return Buffer.from(checkpointDigest(parsed.data)).toString('hex') === signedDigest ? null : 'accepted a checkpoint no key signed: a forgery'
  }
  const [e1] = audit.chain as [AuditEntry]
  const mine: Heads = { [e1.origin]: { seq: 1, hash: e1.hash } }

  return [
    defineTarget<Uint8Array>({
      name: 'audit.entry-decode',
      input: cborInput(entries, MAX_ENTRY_BYTES),
      check: (bytes) => expectOutcome(() => decodeEntry(bytes), isDecodeError,
        allOf(revalidates(auditEntrySchema), identifiersUsable, (e) => { entryHash(e as AuditEntry); return null }))
    }),
    defineTarget({
      name: 'audit.entry-verify-content',
      input: cborValueInput(entries),
      checkAsync: async (raw) => await judgeVerify(() => verifyEntryContent(raw), raw, genuine)
    }),
    defineTarget({
      name: 'audit.entry-verify',
      input: fc.tuple(cborValueInput(entries), fc.constantFrom(...prevs)),
      checkAsync: async ([raw, prev]) => await judgeVerify(() => verifyEntry(raw, prev), raw, allOf(genuine, (r) => {
        const e = r as AuditEntry
        if (prev === null) return e.seq === 1 ? null : 'accepted a first entry whose seq is not 1'
        return e.seq === prev.seq + 1 && e.prev === prev.hash && e.origin === prev.origin ? null : 'accepted an entry that does not follow prev'
      }))
    }),
    defineTarget({
      name: 'audit.received-precheck',
      input: cborValueInput(entries),
      checkAsync: async (raw) => {
        let outcome: Outcome = 'refused'
        await expectOutcomeAsync(async () => (await precheckReceived([raw], lookups)).results[0] as StoreResult | AuditEntry, neverThrows, (r) => {
          if (!('status' in r) || r.status === 'duplicate') outcome = 'accepted'
          return precheckProblem(raw, genuine)(r)
        })
        return outcome
      }
    }),
    defineTarget({
      name: 'audit.direct',
      input: cborInput(wire.direct, MAX_REPLICATION_BYTES),
      check: (bytes) => expectOutcome(() => decodeDirect(bytes), isDecodeError, allOf(revalidates(directSchema), identifiersUsable, headsDiffable(mine)))
    }),
    defineTarget({
      name: 'audit.push',
      input: cborInput(wire.push, MAX_REPLICATION_BYTES),
      check: (bytes) => expectOutcome(() => decodePush(bytes), isDecodeError, revalidates(pushSchema))
    }),
    defineTarget({
      name: 'audit.checkpoint-decode',
      input: cborInput([audit.checkpoint], MAX_CHECKPOINT_BYTES),
      check: (bytes) => expectOutcome(() => decodeCheckpoint(bytes), isDecodeError,
        allOf(revalidates(checkpointSchema), identifiersUsable, (cp) => { checkpointDigest(cp as AuditCheckpoint); return null }))
    }),
    defineTarget({
      name: 'audit.checkpoint-verify',
      input: cborValueInput([audit.checkpoint]),
      checkAsync: async (raw) => await judgeVerify(() => verifyCheckpoint(raw), raw, genuineCheckpoint)
    })
  ]
}
