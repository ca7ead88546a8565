/**
 * Yamux window updates when half the receive window is used, which is what yamux's flow control
 * needs (the sender may go on until the window is spent), instead of one after every data frame
 * read, which @chainsafe/libp2p-yamux 7 sends.
 *
 * Why: the node's traffic is many small messages (beats, the coordinator's heartbeats and their
 * acks, gossip). Each data frame read answered by a 12-byte window update doubled the frames on
 * the wire, and each frame is a Noise message and a socket write on one side, a read and a
 * decryption on the other: about a fifth of a node's idle CPU (docs/benchmarks.md, Scale, Real
 * processes). The sender's window (256 KiB at first) is refilled long before it runs dry: an
 * update still goes out once half of it is consumed, so a stream never stalls on it.
 *
 * Only the established stream's update is deferred: the first one of a stream carries its SYN or
 * ACK flag and goes out as before. The library exports the stream class (`./stream`); its
 * `sendWindowUpdate` is replaced once per process, and `installed` says whether it was.
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

interface WindowFields { recvWindow: number, recvWindowCapacity: number, state: StreamState }

let installed = false

/** Installs the deferred window updates (idempotent). Returns false if the library's stream lacks the method. */
export function deferYamuxWindowUpdates (): boolean {
  if (installed) return true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate?: () => void }
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function') return false
  proto.sendWindowUpdate = function (this: WindowFields) {
    const established = this.state !== StreamState.Init && this.state !== StreamState.SYNReceived
    if (established && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
  installed = true
  return true
}
