/**
 * A Server-Sent Events parser (`text/event-stream`) for text that arrives in arbitrary
 * chunks: a line, a CRLF pair or an event may be split anywhere. Comments (`:` lines, the
 * heartbeats) and fields other than `data`, `event` and `id` are ignored; an event without a blank
 * line after it when the stream ends is discarded, as the standard says.
 */

/** One dispatched event: its type (`message` unless an `event:` field said otherwise) and data. */
export interface SseEvent {
  event: string
  data: string
  /**
   * The `id:` field of this event, when it had one. (A browser's EventSource carries the last id
   * over to events without one; a caller that resumes keeps the last it saw itself.)
   */
  id?: string
}

export class SseParser {
  private buffer = ''
  private data: string[] = []
  private event = ''
  private id: string | undefined

  /** Feeds decoded text; returns the events it completed, in order. */
  push (text: string): SseEvent[] {
    this.buffer += text
    const events: SseEvent[] = []
    let pos = 0
    for (;;) {
      let i = pos
      while (i < this.buffer.length && this.buffer[i] !== '\n' && this.buffer[i] !== '\r') i++
      if (i >= this.buffer.length) break
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (this.buffer[i] === '\r' && i === this.buffer.length - 1) break
      const line = this.buffer.slice(pos, i)
      pos = i + (this.buffer[i] === '\r' && this.buffer[i + 1] === '\n' ? 2 : 1)
      const event = this.line(line)
      if (event !== null) events.push(event)
    }
    this.buffer = this.buffer.slice(pos)
    return events
  }

  /** The stream ended: a pending lone CR still ends its line; an unterminated event is dropped. */
  end (): SseEvent[] {
    const events = this.buffer.endsWith('\r') ? this.push('\n') : []
    this.buffer = ''
    this.data = []
    this.event = ''
    this.id = undefined
    return events
  }

  private line (line: string): SseEvent | null {
    if (line === '') {
      const id = this.id
      this.id = undefined
      if (this.data.length === 0) { this.event = ''; return null }
      const event: SseEvent = { event: this.event === '' ? 'message' : this.event, data: this.data.join('\n') }
      if (id !== undefined) event.id = id
      this.data = []
      this.event = ''
      return event
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    // An id with a NUL is ignored, as the standard says.
    else if (field === 'id' && !value.includes('\0')) this.id = value
    return null
  }
}
