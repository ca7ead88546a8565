/**
 * Deterministic CBOR for JSON values: the bytes an audit entry is hashed
 * over (entry.ts), written directly into one buffer. It gives exactly cborg's encoding with its
 * `rfc8949EncodeOptions` (map keys sorted bytewise by their encoding, integers and lengths in
 * shortest form, every non-integer number a float64): a test compares the two on random JSON
 * values, and the golden vector of the entry tests pins the bytes. It exists because cborg
 * builds a token list and a byte list per call, which made encoding the largest CPU cost of the
 * audit log's write path (three encodings per entry at the origin, more at each replica).
 *
 * Only what a JSON-safe value holds (schema.ts `jsonProblem`): null, booleans, safe integers,
 * finite numbers, strings, arrays and plain objects (a key whose value is undefined is left
 * out). Anything else throws TypeError.
 * `cborSize(value)` is the byte length of cborg's *default* encoding (floats in the narrowest
 * width that round-trips), which bounds `details` (schema.ts).
 */

const te = new TextEncoder()

class Writer {
  buf = new Uint8Array(512)
  view = new DataView(this.buf.buffer)
  pos = 0

  ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  /** A major type with its argument in shortest form. */
  head (major: number, n: number): void {
    this.ensure(9)
    const m = major << 5
    if (n < 24) {
      this.buf[this.pos++] = m | n
    } else if (n < 0x100) {
      this.buf[this.pos++] = m | 24
      this.buf[this.pos++] = n
    } else if (n < 0x10000) {
      this.buf[this.pos++] = m | 25
      this.view.setUint16(this.pos, n)
      this.pos += 2
    } else if (n < 0x100000000) {
      this.buf[this.pos++] = m | 26
      this.view.setUint32(this.pos, n)
      this.pos += 4
    } else {
      this.buf[this.pos++] = m | 27
      this.view.setUint32(this.pos, Math.floor(n / 0x100000000))
      this.view.setUint32(this.pos + 4, n >>> 0)
      this.pos += 8
    }
  }

  bytes (b: Uint8Array): void {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  float64 (x: number): void {
    this.ensure(9)
    this.buf[this.pos++] = 0xfb
    this.view.setFloat64(this.pos, x)
    this.pos += 8
  }
}

/** Map keys repeat (every entry has the same ten, details mostly the same few): their encodings are kept. */
const KEY_CACHE_LIMIT = 4096
const keyCache = new Map<string, Uint8Array>()

/** A string's encoding (head and UTF-8): also the sort key of a map key. */
function stringBytes (s: string): Uint8Array {
  const cached = keyCache.get(s)
  if (cached !== undefined) return cached
  const utf8 = te.encode(s)
  const n = utf8.length
  const headLen = n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
  const out = new Uint8Array(headLen + n)
  const view = new DataView(out.buffer)
  if (n < 24) out[0] = 0x60 | n
  else if (n < 0x100) { out[0] = 0x78; out[1] = n } else if (n < 0x10000) { out[0] = 0x79; view.setUint16(1, n) } else { out[0] = 0x7a; view.setUint32(1, n) }
  out.set(utf8, headLen)
  if (s.length <= 64) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
    keyCache.set(s, out)
  }
  return out
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.length - b.length
}

function write (w: Writer, v: unknown): void {
  if (v === null) { w.ensure(1); w.buf[w.pos++] = 0xf6; return }
  if (v === true) { w.ensure(1); w.buf[w.pos++] = 0xf5; return }
  if (v === false) { w.ensure(1); w.buf[w.pos++] = 0xf4; return }
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) { if (v >= 0) w.head(0, v); else w.head(1, -1 - v); return }
    if (!Number.isFinite(v)) throw new TypeError('canonical CBOR: a number that is not finite')
    w.float64(v)
    return
  }
  if (typeof v === 'string') {
    // ASCII (the common case) needs no TextEncoder round trip.
    let ascii = true
    for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0x7f) { ascii = false; break }
    if (ascii) {
      w.head(3, v.length)
      w.ensure(v.length)
      for (let i = 0; i < v.length; i++) w.buf[w.pos++] = v.charCodeAt(i)
    } else {
      w.bytes(stringBytes(v))
    }
    return
  }
  if (Array.isArray(v)) {
    w.head(4, v.length)
    for (const x of v) write(w, x)
    return
  }
  if (typeof v === 'object') {
    // A key whose value is undefined is left out, as JSON leaves it out (an entry's absent `sig`).
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    const encoded = keys.map((k) => ({ k, b: stringBytes(k) }))
    if (encoded.length > 1) encoded.sort((x, y) => compareBytes(x.b, y.b))
    w.head(5, keys.length)
    for (const { k, b } of encoded) {
      w.bytes(b)
      write(w, (v as Record<string, unknown>)[k])
    }
    return
  }
  throw new TypeError(`canonical CBOR: ${typeof v} is not a JSON value`)
}

/** One writer for every call: encoding never re-enters itself (it calls nothing outside this file). */
const shared = new Writer()

/** The deterministic CBOR encoding of a JSON value (see the header). */
export function canonicalCbor (value: unknown): Uint8Array {
  shared.pos = 0
  try {
    write(shared, value)
    return shared.buf.slice(0, shared.pos)
  } finally {
    // A huge value must not pin a huge buffer.
    if (shared.buf.length > 1024 * 1024) { shared.buf = new Uint8Array(512); shared.view = new DataView(shared.buf.buffer) }
  }
}

const headSize = (n: number): number => n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9

/** The byte length of cborg's default encoding of a JSON value (narrowest floats); no bytes are made. */
export function cborSize (v: unknown): number {
  if (v === null || v === true || v === false) return 1
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return headSize(v >= 0 ? v : -1 - v)
    if (Math.f16round(v) === v) return 3
    return Math.fround(v) === v ? 5 : 9
  }
  if (typeof v === 'string') {
    const n = Buffer.byteLength(v, 'utf8')
    return headSize(n) + n
  }
  if (Array.isArray(v)) {
    let n = headSize(v.length)
    for (const x of v) n += cborSize(x)
    return n
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v)
    let n = headSize(keys.length)
    for (const k of keys) n += cborSize(k) + cborSize((v as Record<string, unknown>)[k])
    return n
  }
  throw new TypeError(`cborSize: ${typeof v} is not a JSON value`)
}
