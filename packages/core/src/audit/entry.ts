/**
 * Audit entries: canonical encoding, hash chain and signature (docs/design/audit.md, issue #4).
 *
 * - Canonical bytes: the CBOR encoding of every field except `hash` and `sig`, in the
 *   deterministic encoding (canonical-cbor.ts, byte for byte cborg's
 *   `rfc8949EncodeOptions`): map keys sorted bytewise by their encoding, integers and lengths
 *   in shortest form, and every non-integer number as a float64 (so a float's width never
 *   depends on its value). A golden vector in the tests pins the bytes.
 * - `hash` = lowercase hex sha-256 of the canonical bytes; `prev` is the `hash` of the origin's
 *   previous entry, or ZERO_HASH for seq 1. Seq is contiguous from 1 and the Lamport time grows
 *   strictly along a chain.
 * - `sig` = Ed25519 signature by the origin's libp2p key over the 32 raw hash bytes (not the
 *   hex), carried as padded standard base64 so an entry is plain JSON in the API and in CBOR.
 *   The verifying key comes from the origin peer id itself (Ed25519 peer ids embed their public
 *   key), so no key exchange is needed and an entry signed by any other key fails 'signature'.
 *   Signing and verifying use node:crypto KeyObjects built once per key from the libp2p key
 *   bytes: the same Ed25519, but @libp2p/crypto imports the key again on every call (about 3x
 *   the cost of a signature). A test checks that both produce and accept the same signatures.
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { ed25519KeyOf, ed25519PeerId } from '../wire/peer-id.js'
import { decodeMessage } from '../wire/messages.js'
import { AuditChainError, AuditFieldsError } from './errors.js'
import { canonicalCbor } from './canonical-cbor.js'
import { SEAL_MAX_BYTES, SEAL_MAX_ENTRIES } from './seal.js'
import {
  auditEntrySchema, auditFieldsSchema, issuePath, MAX_ENTRY_BYTES, MAX_TS_MS, ZERO_HASH,
  type AuditEntry, type AuditFields, type UnsignedEntry
} from './schema.js'

/** Who writes a chain: its peer id and its key. `sign` may be synchronous. */
export interface AuditSigner {
  peerId: string
  sign(bytes: Uint8Array): Promise<Uint8Array> | Uint8Array
}

/** The part of the previous entry a new one links to; an `AuditEntry` or a stored head. */
export interface ChainLink { origin: string, seq: number, hash: string, lamport: number }

/** Why an entry was refused; a small closed set, used as a metrics label and in `verifyAll`. */
export type VerifyFailure = 'hash' | 'signature' | 'chain' | 'seq' | 'origin' | 'schema'
export type VerifyResult = { ok: true } | { ok: false, reason: VerifyFailure }


/** The canonical bytes of an entry: its ten hashed fields, whatever else the object holds. */
export function canonicalBytes (e: UnsignedEntry): Uint8Array {
  const hashed: UnsignedEntry = {
    origin: e.origin,
    seq: e.seq,
    lamport: e.lamport,
    ts: e.ts,
    class: e.class,
    type: e.type,
    severity: e.severity,
    subject: e.subject,
    details: e.details,
    prev: e.prev
  }
  return canonicalCbor(hashed)
}

export function entryHash (e: UnsignedEntry): string {
  return createHash('sha256').update(canonicalBytes(e)).digest('hex')
}

/**
 * Each entry's whole encoding (encodeEntry: what the store writes and a push carries), kept for
 * the entries this node made (createBatch) or checked (received.ts), which had their hashed
 * bytes in hand: the whole encoding is those bytes with `hash` and `sig` spliced in, so neither
 * the store nor the push encodes the entry again. Such entries are frozen, so what is kept can
 * never disagree with the object.
 */
const encodings = new WeakMap<AuditEntry, Uint8Array>()

/**
 * The hash of an entry from its canonical bytes (`canonicalBytes(e)`), and, when it matches
 * `e.hash`, its whole encoding kept for encodeEntry (the entry is frozen). Returns the hash.
 */
export function hashAndKeep (e: AuditEntry, hashed: Uint8Array): string {
  const hash = createHash('sha256').update(hashed).digest('hex')
  if (hash === e.hash) keepEncoding(e, hashed)
  return hash
}

function keepEncoding (e: AuditEntry, hashed: Uint8Array): void {
  const whole = spliceEncoding(hashed, e)
  if (whole === null) return
  Object.freeze(e)
  encodings.set(e, whole)
}

/** Text whose characters are all ASCII, as CBOR (head and bytes); null otherwise. */
function asciiText (s: string): Uint8Array | null {
  const n = s.length
  const headLen = n < 24 ? 1 : n < 0x100 ? 2 : 3
  if (n >= 0x10000) return null
  const out = new Uint8Array(headLen + n)
  if (n < 24) out[0] = 0x60 | n
  else if (n < 0x100) { out[0] = 0x78; out[1] = n } else { out[0] = 0x79; out[1] = n >> 8; out[2] = n & 0xff }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return null
    out[headLen + i] = c
  }
  return out
}

const uintSize = (n: number): number => n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9
const KEY_SIG = Uint8Array.of(0x63, 0x73, 0x69, 0x67)
const KEY_HASH = Uint8Array.of(0x64, 0x68, 0x61, 0x73, 0x68)

/**
 * The canonical encoding of the whole entry from the canonical bytes of its ten hashed fields:
 * the same map with `sig` and `hash` added. Map keys sort bytewise by their encoding, shortest
 * first, so the twelve keys run ts, seq, sig, hash, prev, type, class, origin, details, lamport,
 * subject, severity: `sig` and `hash` go right after `seq`, whose end follows from the sizes of
 * `ts` and `seq` (integers, so in shortest form). Null when the shape is not that (a test
 * checks the result against canonicalCbor of the entry).
 */
export function spliceEncoding (hashed: Uint8Array, e: Pick<AuditEntry, 'ts' | 'seq' | 'hash' | 'sig'>): Uint8Array | null {
  if (hashed[0] !== 0xaa || !Number.isSafeInteger(e.ts) || e.ts < 0 || !Number.isSafeInteger(e.seq) || e.seq < 0) return null
  const cut = 1 + 3 + uintSize(e.ts) + 4 + uintSize(e.seq)
  const hash = asciiText(e.hash)
  const sig = e.sig === undefined ? undefined : asciiText(e.sig)
  if (hash === null || sig === null || cut > hashed.length) return null
  const extra = (sig === undefined ? 0 : KEY_SIG.length + sig.length) + KEY_HASH.length + hash.length
  const out = new Uint8Array(hashed.length + extra)
  out[0] = sig === undefined ? 0xab : 0xac
  out.set(hashed.subarray(1, cut), 1)
  let pos = cut
  if (sig !== undefined) { out.set(KEY_SIG, pos); pos += KEY_SIG.length; out.set(sig, pos); pos += sig.length }
  out.set(KEY_HASH, pos); pos += KEY_HASH.length
  out.set(hash, pos); pos += hash.length
  out.set(hashed.subarray(cut), pos)
  return out
}

/**
 * A signer for an Ed25519 private key (its 32-byte seed), as a node KeyObject built
 * once: rebuilding the key on every call triples the cost of a signature.
 */
export function ed25519Signer (seed: Uint8Array): AuditSigner {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed has 32 bytes, not ${seed.length}`)
  const nodeKey = createPrivateKey({ format: 'der', type: 'pkcs8', key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]) })
  const x = createPublicKey(nodeKey).export({ format: 'jwk' }).x
  if (typeof x !== 'string') throw new Error('node:crypto gave an Ed25519 public key without x')
  const peerId = ed25519PeerId(Buffer.from(x, 'base64url'))
  return { peerId, sign: (bytes) => cryptoSign(null, bytes, nodeKey) }
}

/** The DER of a PKCS #8 Ed25519 private key up to its 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/**
 * Creates the entry that follows `prev` (null for the origin's first) in the signer's chain.
 * `ts` is wall-clock ms (for humans); `lamport` orders entries across origins and must exceed
 * `prev.lamport`. Throws AuditFieldsError naming the bad field, AuditChainError if `prev` is
 * another origin's or the Lamport time does not grow.
 */
export async function createEntry (prev: ChainLink | null, fields: AuditFields, signer: AuditSigner, lamport: number, ts: number): Promise<AuditEntry> {
  const parsed = auditFieldsSchema.safeParse(fields)
  if (!parsed.success) {
    const { field, message } = issuePath(parsed.error)
    throw new AuditFieldsError(field, message)
  }
  if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TS_MS) throw new AuditFieldsError('ts', `not a wall-clock time in ms: ${ts}`)
  if (!Number.isSafeInteger(lamport) || lamport < 1) throw new AuditFieldsError('lamport', `not a positive integer: ${lamport}`)
  if (prev !== null && prev.origin !== signer.peerId) throw new AuditChainError(`prev belongs to ${prev.origin}, not to the signer ${signer.peerId}`)
  if (prev !== null && lamport <= prev.lamport) throw new AuditChainError(`lamport ${lamport} does not exceed the previous entry's ${prev.lamport}`)
  const unsigned = nextEntry(signer.peerId, prev, lamport, ts, parsed.data)
  const hash = entryHash(unsigned)
  const sig = await signer.sign(Buffer.from(hash, 'hex'))
  return { ...unsigned, hash, sig: Buffer.from(sig).toString('base64') }
}

/** The entry after `link` (or the first of `origin`'s chain), unsigned. */
function nextEntry (origin: string, link: { seq: number, hash: string } | null, lamport: number, ts: number, f: AuditFields): UnsignedEntry {
  return {
    origin,
    seq: link === null ? 1 : link.seq + 1,
    lamport,
    ts,
    class: f.class,
    type: f.type,
    severity: f.severity,
    subject: f.subject,
    details: f.details,
    prev: link === null ? ZERO_HASH : link.hash
  }
}

/** One entry of a batch to create: fields already checked against auditFieldsSchema, and its wall-clock ts. */
export interface BatchItem { fields: AuditFields, ts: number }

/**
 * Creates the entries that follow `prev` in the signer's chain, one per item, with Lamport
 * times from `tick` (which must grow), and seals the batch: one signature over the last
 * entry's hash (and one more every SEAL_MAX_ENTRIES entries or SEAL_MAX_BYTES of canonical
 * bytes, so a group always fits a replication message). The fields are trusted: the caller
 * parsed them once (the appender, the API); they are not parsed again here.
 */
export async function createBatch (prev: ChainLink | null, items: readonly BatchItem[], signer: AuditSigner, tick: () => number): Promise<AuditEntry[]> {
  if (prev !== null && prev.origin !== signer.peerId) throw new AuditChainError(`prev belongs to ${prev.origin}, not to the signer ${signer.peerId}`)
  const out: AuditEntry[] = []
  const hashedBytes: Uint8Array[] = []
  let link: { seq: number, hash: string, lamport: number } | null = prev
  let groupEntries = 0
  let groupBytes = 0
  for (let i = 0; i < items.length; i++) {
    const { fields: f, ts } = items[i] as BatchItem
    if (!Number.isSafeInteger(ts) || ts < 0 || ts > MAX_TS_MS) throw new AuditFieldsError('ts', `not a wall-clock time in ms: ${ts}`)
    const lamport = tick()
    if (!Number.isSafeInteger(lamport) || lamport < 1 || (link !== null && lamport <= link.lamport)) throw new AuditChainError(`lamport ${lamport} does not grow along the chain`)
    const unsigned = nextEntry(signer.peerId, link, lamport, ts, f)
    const bytes = canonicalBytes(unsigned)
    const hash = createHash('sha256').update(bytes).digest('hex')
    groupEntries++
    groupBytes += bytes.byteLength
    const entry: AuditEntry = { ...unsigned, hash }
    if (i === items.length - 1 || groupEntries >= SEAL_MAX_ENTRIES || groupBytes >= SEAL_MAX_BYTES) {
      entry.sig = Buffer.from(await signer.sign(Buffer.from(hash, 'hex'))).toString('base64')
      groupEntries = 0
      groupBytes = 0
    }
    out.push(entry)
    hashedBytes.push(bytes)
    link = entry
  }
  // Sealed now: each entry's whole encoding, for the store and the push (encodeEntry).
  for (let i = 0; i < out.length; i++) keepEncoding(out[i] as AuditEntry, hashedBytes[i] as Uint8Array)
  return out
}

const KEY_CACHE_LIMIT = 4096
interface OriginKey { key: Uint8Array, verifier: KeyObject }
const keyCache = new Map<string, OriginKey | null>()

/** The origin's Ed25519 key, with a node KeyObject for fast verification; null if none. Memoised. */
function originKey (origin: string): OriginKey | null {
  const cached = keyCache.get(origin)
  if (cached !== undefined) return cached
  let found: OriginKey | null = null
  try {
    const key = ed25519KeyOf(origin)
    if (key !== null) {
      const verifier = createPublicKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519', x: b64url(key) } })
      found = { key, verifier }
    }
  } catch {
    found = null
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
  keyCache.set(origin, found)
  return found
}

/** The Ed25519 public key (32 raw bytes) embedded in an origin peer id, or null (not a peer id, or not Ed25519). */
export function originPublicKey (origin: string): Uint8Array | null {
  return originKey(origin)?.key ?? null
}

const fail = (reason: VerifyFailure): VerifyResult => ({ ok: false, reason })

/**
 * The signature of a schema-checked seal against its origin's key: 'origin' if the origin is
 * not an Ed25519 peer id, 'signature' if the key did not sign `hash` or the entry carries no
 * signature (not a seal). Does not recompute `hash`.
 */
export async function verifySignature (e: AuditEntry): Promise<VerifyResult> {
  if (e.sig === undefined) return fail('signature')
  return verifyPeerSignature(e.origin, Buffer.from(e.hash, 'hex'), e.sig)
}

/**
 * Whether the key embedded in `peerId` signed `message` (`sig`: standard base64): 'origin' if
 * `peerId` is not an Ed25519 peer id, 'signature' if that key did not sign it. Shared by entries
 * and retention checkpoints (checkpoint.ts), so both use the memoised KeyObjects.
 */
export function verifyPeerSignature (peerId: string, message: Uint8Array, sig: string): VerifyResult {
  const key = originKey(peerId)
  if (key === null) return fail('origin')
  let valid: boolean
  try {
    valid = cryptoVerify(null, message, key.verifier, Buffer.from(sig, 'base64'))
  } catch {
    valid = false
  }
  return valid ? { ok: true } : fail('signature')
}

/** Hash, then signature, of a schema-checked entry whose origin was checked. */
async function checkSealed (e: AuditEntry): Promise<VerifyResult> {
  if (entryHash(e) !== e.hash) return fail('hash')
  return await verifySignature(e)
}

/**
 * How a schema-checked entry fails to follow `prev` (null: it must be its origin's first), or
 * null if it follows: 'origin' (not an Ed25519 peer id, or not prev's origin); 'seq' (not
 * prev.seq + 1, e.g. an entry removed or reordered); 'chain' (`prev` field is not prev's hash,
 * or the Lamport time does not grow). Neither the hash nor the signature is checked.
 */
export function linkFailure (e: AuditEntry, prev: ChainLink | null): VerifyFailure | null {
  if (originPublicKey(e.origin) === null || (prev !== null && prev.origin !== e.origin)) return 'origin'
  if (e.seq !== (prev === null ? 1 : prev.seq + 1)) return 'seq'
  if (e.prev !== (prev === null ? ZERO_HASH : prev.hash)) return 'chain'
  if (prev !== null && e.lamport <= prev.lamport) return 'chain'
  return null
}

/**
 * Verifies a sealed `entry` as the successor of `prev`: 'schema', then linkFailure, then
 * 'hash' (a field changed after hashing), then 'signature' (not signed by the origin's key, or
 * not a seal: an entry without `sig` is verified with the run it belongs to, see verifyRun).
 * `prev` itself is trusted: the caller verified it before.
 */
export async function verifyEntry (entry: unknown, prev: ChainLink | null): Promise<VerifyResult> {
  const parsed = auditEntrySchema.safeParse(entry)
  if (!parsed.success) return fail('schema')
  const e = parsed.data
  const link = linkFailure(e, prev)
  if (link !== null) return fail(link)
  return await checkSealed(e)
}

/**
 * Verifies consecutive entries of one chain following `prev` (null: from seq 1): each one's
 * schema, link and hash, every signature present, and that the last one is a seal (it vouches
 * for the entries before it). The first failure, or ok.
 */
export async function verifyRun (entries: readonly unknown[], prev: ChainLink | null): Promise<VerifyResult> {
  let link = prev
  let last: AuditEntry | undefined
  for (const raw of entries) {
    const parsed = auditEntrySchema.safeParse(raw)
    if (!parsed.success) return fail('schema')
    const e = parsed.data
    const broken = linkFailure(e, link)
    if (broken !== null) return fail(broken)
    if (entryHash(e) !== e.hash) return fail('hash')
    if (e.sig !== undefined) {
      const sig = await verifySignature(e)
      if (!sig.ok) return sig
    }
    link = last = e
  }
  if (last !== undefined && last.sig === undefined) return fail('signature')
  return { ok: true }
}

/**
 * Verifies what a sealed entry proves on its own, without its predecessor: schema, origin,
 * hash, signature, and that a seq 1 entry links to ZERO_HASH.
 */
export async function verifyEntryContent (entry: unknown): Promise<VerifyResult> {
  const parsed = auditEntrySchema.safeParse(entry)
  if (!parsed.success) return fail('schema')
  const e = parsed.data
  if (originPublicKey(e.origin) === null) return fail('origin')
  if ((e.seq === 1) !== (e.prev === ZERO_HASH)) return fail('chain')
  return await checkSealed(e)
}

/** CBOR for the wire and the store (any key order decodes to the same entry; this one is canonical). */
export function encodeEntry (entry: AuditEntry): Uint8Array {
  return encodings.get(entry) ?? canonicalCbor(entry)
}

/** The whole encoding kept for an entry this node made or checked (see `encodings`), else undefined. */
export function keptEncoding (entry: unknown): Uint8Array | undefined {
  return typeof entry === 'object' && entry !== null ? encodings.get(entry as AuditEntry) : undefined
}

/**
 * Decodes an entry from a peer: size, strict CBOR and schema, throwing MessageDecodeError. The
 * result still needs verifyEntry / storeVerified: decoding checks shape, not authenticity.
 */
export function decodeEntry (bytes: Uint8Array): AuditEntry {
  return decodeMessage(bytes, auditEntrySchema, MAX_ENTRY_BYTES)
}
