/** Yamux window updates once half the receive window is used (net/yamux-window.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { deferYamuxWindowUpdates } from '../src/net/yamux-window.js'

const WINDOW = 256 * 1024

/** A stream as the library leaves it after reading `used` bytes, whose sent frames are counted. */
function streamAfterReading (used: number, state: StreamState): { stream: { sendWindowUpdate: () => void }, frames: Array<{ type: number, flag: number, length: number }> } {
  const frames: Array<{ type: number, flag: number, length: number }> = []
  const stream = Object.assign(Object.create(YamuxStream.prototype) as object, {
    state,
    _id: 1,
    recvWindow: WINDOW,
    recvWindowCapacity: WINDOW - used,
    epochStart: Date.now(),
    getRTT: () => -1,
    config: { maxStreamWindowSize: 16 * 1024 * 1024 },
    sendFrame: (header: { type: number, flag: number, length: number }) => { frames.push(header) }
  }) as unknown as { sendWindowUpdate: () => void }
  return { stream, frames }
}

describe('deferred yamux window updates', () => {
  deferYamuxWindowUpdates()

  it('sends no window update while less than half the window is used', () => {
    const { stream, frames } = streamAfterReading(300, StreamState.Established)
    stream.sendWindowUpdate()
    assert.equal(frames.length, 0)
  })

  it('sends one that refills the window once half of it is used', () => {
    const { stream, frames } = streamAfterReading(WINDOW / 2, StreamState.Established)
    stream.sendWindowUpdate()
    assert.equal(frames.length, 1)
    assert.equal(frames[0]!.length, WINDOW / 2)
  })

  it('still sends a new inbound stream\'s first update, which carries its ACK', () => {
    const { stream, frames } = streamAfterReading(0, StreamState.SYNReceived)
    stream.sendWindowUpdate()
    assert.equal(frames.length, 1)
    assert.notEqual(frames[0]!.flag, 0)
  })

  it('is installed once, however often it is called', () => {
    assert.equal(deferYamuxWindowUpdates(), true)
    const { stream, frames } = streamAfterReading(300, StreamState.Established)
    stream.sendWindowUpdate()
    assert.equal(frames.length, 0)
  })
})
