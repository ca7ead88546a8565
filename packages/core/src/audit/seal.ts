/**
 * Seals: the origin signs once per written batch, not once per entry (issue 21).
 *
 * An entry's `hash` covers its `prev`, the hash of the entry before it, so a signature over one
 * entry's hash vouches for that entry and, link by link, for every entry before it. The writer
 * therefore signs only the last entry of each batch it writes (the seal, the one entry carrying
 * `sig`); the entries before it in the batch carry none. Whoever holds a chain still checks
 * every entry: its hash, its link to the one before, and the signature of the first seal at or
 * after it. A chain written before seals existed has a signature on every entry, i.e. every
 * entry is its own seal: the same rule reads it unchanged (see docs/design/audit.md, "Format").
 *
 * The unit of replication and of verification is the group: consecutive entries of one origin
 * ending with a seal. A peer can verify a group with one signature check, and only whole groups
 * travel (pushes, anti-entropy replies, re-pushes) and are stored (one atomic write), so every
 * stored head is a seal. Groups are bounded (SEAL_MAX_ENTRIES, SEAL_MAX_BYTES) so that two of
 * them always fit in one message. Pure functions.
 */

/** A batch is sealed at least every this many entries, so a group fits a message. */
export const SEAL_MAX_ENTRIES = 128
/** ... and once its entries' canonical bytes reach this, for the same reason. */
export const SEAL_MAX_BYTES = 256 * 1024

export interface Sealable { sig?: string | undefined }

export function isSeal (e: Sealable): boolean {
  return e.sig !== undefined
}

/** The entries up to and including the last seal: what a peer can verify. [] if none is sealed. */
export function sealedPrefix<T extends Sealable> (entries: readonly T[]): T[] {
  for (let i = entries.length - 1; i >= 0; i--) if (isSeal(entries[i] as T)) return entries.slice(0, i + 1)
  return []
}

/**
 * Splits entries (one origin, in seq order) into groups that each end with a seal. Entries
 * after the last seal form a last group without one, which a receiver must refuse.
 */
export function sealGroups<T extends Sealable> (entries: readonly T[]): T[][] {
  const groups: T[][] = []
  let start = 0
  for (let i = 0; i < entries.length; i++) {
    if (isSeal(entries[i] as T)) {
      groups.push(entries.slice(start, i + 1))
      start = i + 1
    }
  }
  if (start < entries.length) groups.push(entries.slice(start))
  return groups
}

/**
 * Packs sealed entries (one origin, in seq order) into messages of whole groups with at most
 * `maxEntries` entries each; a group larger than that travels alone.
 */
export function packGroups<T extends Sealable> (entries: readonly T[], maxEntries: number): T[][] {
  const out: T[][] = []
  let cur: T[] = []
  for (const g of sealGroups(entries)) {
    if (cur.length > 0 && cur.length + g.length > maxEntries) {
      out.push(cur)
      cur = []
    }
    cur = cur.concat(g)
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/** Splits one message's entries in two at the group boundary nearest the middle; null if it is one group. */
export function halveAtSeal<T extends Sealable> (entries: readonly T[]): [T[], T[]] | null {
  const groups = sealGroups(entries)
  if (groups.length < 2) return null
  let best = 0
  let bestDist = Infinity
  let n = 0
  for (let i = 0; i < groups.length - 1; i++) {
    n += (groups[i] as T[]).length
    const d = Math.abs(n - entries.length / 2)
    if (d < bestDist) { bestDist = d; best = n }
  }
  return [entries.slice(0, best), entries.slice(best)]
}
