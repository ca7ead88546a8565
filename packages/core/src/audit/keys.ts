/**
 * The audit log's LevelDB key layout (docs/design/audit.md, issue #4: "keys that keep per-origin order
 * and time queries cheap"). LevelDB orders keys bytewise, so numbers are zero-padded to 16
 * decimal digits (enough for any safe integer and any valid Date) and fields are joined by `!`,
 * which sorts below every digit and base58 character:
 *
 *   e!<origin>!<seq>            the entry (CBOR): one origin's chain in seq order
 *   h!<origin>                  the origin's head { seq, hash, lamport } (CBOR)
 *   t!<ts>!<origin>!<seq>       time index over all origins
 *   o!<origin>!<ts>!<seq>       time index per origin
 *   c!<origin>                  the origin's retention checkpoint (CBOR, checkpoint.ts): entries
 *                               1..seq were compacted away (absent until the first compaction)
 *   m!format                    the store's format (FORMAT_KEY)
 *
 * Both time indexes hold two bytes, the class and severity ordinals, so a filtered query skips
 * non-matching entries without reading them. Entry, indexes and head of a batch are one atomic
 * LevelDB batch, so they never disagree after a crash; a compaction deletes the three keys of
 * each dropped entry in the batch that writes the checkpoint. Origins are base58 (schema-checked), so
 * they never contain `!`.
 */
import { decode } from 'cborg'
import { AUDIT_CLASSES, AUDIT_SEVERITIES, type AuditEntry } from './schema.js'

/** Encodings every audit operation names, whatever the instance's defaults are. */
export const ENCODINGS = { keyEncoding: 'utf8', valueEncoding: 'view' } as const

export type AuditBatchOp =
  | { type: 'put', key: string, value: Uint8Array }
  | { type: 'del', key: string }

/** An explicit read snapshot (abstract-level 3): several reads that see one state of the store. */
export interface AuditSnapshot { close(): Promise<void> }

export interface AuditIteratorOptions {
  gt?: string, gte?: string, lt?: string, lte?: string, limit?: number, reverse?: boolean
  keyEncoding: 'utf8', valueEncoding: 'view'
  snapshot?: AuditSnapshot
}

/**
 * What the audit store needs of LevelDB: an open `level` instance (a `Level`, a sublevel, or a
 * memory-level in tests) satisfies it. Every call names its encodings (ENCODINGS).
 */
export interface AuditDb {
  open(): Promise<void>
  get(key: string, options: typeof ENCODINGS): Promise<Uint8Array | undefined>
  getMany(keys: string[], options: typeof ENCODINGS): Promise<Array<Uint8Array | undefined>>
  batch(ops: AuditBatchOp[], options: typeof ENCODINGS & { sync: boolean }): Promise<void>
  iterator(options: AuditIteratorOptions): AsyncIterable<[string, Uint8Array]>
  snapshot(): AuditSnapshot
}

/** Decodes a stored value; the store wrote it, so only `verifyAll` re-checks its schema. */
export function decodeStored<T = AuditEntry> (bytes: Uint8Array): T {
  return decode(bytes, { useMaps: false }) as T
}

const WIDTH = 16

export function pad (n: number): string {
  return String(n).padStart(WIDTH, '0')
}

export const ENTRY_PREFIX = 'e!'
export const HEAD_PREFIX = 'h!'
export const TIME_PREFIX = 't!'
export const ORIGIN_TIME_PREFIX = 'o!'
export const CHECKPOINT_PREFIX = 'c!'
/**
 * The store's format (CBOR integer). 2: entries sealed per batch (seal.ts). A store without it
 * was written by an older node, every entry signed: format 1, which format 2 reads unchanged
 * (each entry is its own seal), so opening it only records 2.
 */
export const FORMAT_KEY = 'm!format'
export const STORE_FORMAT = 2
/** Sorts above every key of a prefix ending in `!` (`~` is above digits and base58). */
export const PREFIX_END = '~'

export const entryKey = (origin: string, seq: number): string => `${ENTRY_PREFIX}${origin}!${pad(seq)}`
export const entryPrefix = (origin: string): string => `${ENTRY_PREFIX}${origin}!`
export const headKey = (origin: string): string => `${HEAD_PREFIX}${origin}`
export const checkpointKey = (origin: string): string => `${CHECKPOINT_PREFIX}${origin}`
export const timeKey = (e: Pick<AuditEntry, 'ts' | 'origin' | 'seq'>): string => `${TIME_PREFIX}${pad(e.ts)}!${e.origin}!${pad(e.seq)}`
export const originTimePrefix = (origin: string): string => `${ORIGIN_TIME_PREFIX}${origin}!`
export const originTimeKey = (e: Pick<AuditEntry, 'ts' | 'origin' | 'seq'>): string => `${originTimePrefix(e.origin)}${pad(e.ts)}!${pad(e.seq)}`

/** Origin and seq of an `e!` key, or null if the key is not one. */
export function parseEntryKey (key: string): { origin: string, seq: number } | null {
  const m = /^e!([^!]+)!(\d{16})$/.exec(key)
  return m === null ? null : { origin: m[1] as string, seq: Number(m[2]) }
}

/** Origin and seq named by a time-index key (either index). */
export function parseIndexKey (key: string): { origin: string, seq: number } | null {
  const t = /^t!\d{16}!([^!]+)!(\d{16})$/.exec(key)
  if (t !== null) return { origin: t[1] as string, seq: Number(t[2]) }
  const o = /^o!([^!]+)!\d{16}!(\d{16})$/.exec(key)
  return o === null ? null : { origin: o[1] as string, seq: Number(o[2]) }
}

/** The two bytes a time index holds: class and severity ordinals. */
export function indexValue (e: Pick<AuditEntry, 'class' | 'severity'>): Uint8Array {
  return Uint8Array.of(AUDIT_CLASSES.indexOf(e.class), AUDIT_SEVERITIES.indexOf(e.severity))
}

/** Cursors are opaque to clients: the base64url of the last index key a page covered. */
export function encodeCursor (indexKey: string): string {
  return Buffer.from(indexKey, 'utf8').toString('base64url')
}

/** The index key in a cursor, or null if it is not one of ours. */
export function decodeCursor (cursor: string): string | null {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  return parseIndexKey(key) === null ? null : key
}
