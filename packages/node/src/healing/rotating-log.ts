/**
 * A bounded, rotated log file for an agent's stdout or stderr (issue 6): `<name>.log` grows to
 * `maxBytes`, then becomes `<name>.log.1` (the older ones shift up to `.<keep>`, the oldest is
 * dropped), as logrotate's `size` + `rotate` do. The disk an agent's output can take is bounded
 * by (keep + 1) × maxBytes whatever it prints.
 *
 * Writes are queued and done one at a time, off the event loop's critical path; a chunk that
 * arrives while a write is in flight is appended to the next one. A failed write (disk full) is
 * counted and the chunk dropped: an agent's chatter must never take the node down.
 */
import { appendFile, rename, stat, unlink } from 'node:fs/promises'

export interface RotatingLogOptions {
  /** @default 1 MiB */
  maxBytes?: number
  /** Rotated files kept besides the live one. @default 3 */
  keep?: number
}

export class RotatingLog {
  private readonly maxBytes: number
  private readonly keep: number
  private size = -1
  private pending: Buffer[] = []
  private flushing: Promise<void> | null = null
  private _droppedWrites = 0

  constructor (readonly path: string, options: RotatingLogOptions = {}) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024
    this.keep = options.keep ?? 3
  }

  get droppedWrites (): number { return this._droppedWrites }

  write (chunk: Buffer | string): void {
    this.pending.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    this.flushing ??= this.drain()
  }

  /** Resolves once everything written so far is on disk (or dropped). */
  async flush (): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  private async drain (): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const data = Buffer.concat(this.pending)
        this.pending = []
        await this.append(data)
      }
    } finally {
      this.flushing = null
    }
  }

  private async append (data: Buffer): Promise<void> {
    try {
      if (this.size < 0) this.size = await stat(this.path).then((s) => s.size, () => 0)
      if (this.size > 0 && this.size + data.byteLength > this.maxBytes) await this.rotate()
      // A single chunk larger than the whole file keeps only its tail.
      const body = data.byteLength > this.maxBytes ? data.subarray(data.byteLength - this.maxBytes) : data
      await appendFile(this.path, body)
      this.size += body.byteLength
    } catch {
      this._droppedWrites++
      this.size = -1
    }
  }

  private async rotate (): Promise<void> {
    if (this.keep === 0) {
      await unlink(this.path).catch(() => {})
    } else {
      await unlink(`${this.path}.${this.keep}`).catch(() => {})
      for (let i = this.keep - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => {})
      await rename(this.path, `${this.path}.1`).catch(() => {})
    }
    this.size = 0
  }
}
