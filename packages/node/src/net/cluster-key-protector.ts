/**
 * Admission by cluster key: a libp2p `connectionProtector` that runs on the raw TCP connection,
 * before Noise and before any kOS protocol, and closes every connection whose peer does not prove
 * that it holds a key of this node's keyring (docs/design/admission.md).
 *
 * Why not `@libp2p/pnet`, libp2p's private-network protector? Its construction is right, and this
 * one keeps it: each side sends a random nonce, and each direction is then XORed with a stream
 * cipher keyed by the shared key and the sender's nonce, under Noise. But pnet
 * - holds one key, so a cluster can only change its key by switching every node at the same
 *   instant: nodes on the new key refuse those on the old one, and the cluster splits. A
 *   rotation in steps (install, use, remove, each step on every node) needs several keys at once;
 * - never checks the key: with a wrong one both sides go on XORing with different keystreams,
 *   and Noise fails later on garbage (or waits for a timeout). A wrong key then looks like a
 *   network fault; nothing counts it or names it.
 * So this protector adds to pnet's exchange: a fixed hello (a peer that runs no cluster key is
 * recognised in its first bytes); a proof of the key, HMAC-SHA256 over both nonces, looked up in
 * the keyring (primary and accepted keys), so a wrong key is refused at once, counted and logged,
 * and a proof replayed from another connection or reflected back proves nothing; a keyring that
 * can be replaced while running, for the connections made from then on. Open connections are
 * left alone: closing one looks like a crash to the failure detector (it probes at once).
 * Re-making a node's connections whenever its primary changed was tried: the rotation test saw
 * healthy members suspected, and reloads in quick succession got one declared dead
 * (docs/design/admission.md).
 * It costs one more half round trip per new connection (the proofs wait for the peer's nonce),
 * and no dependency beyond node:crypto (pnet brings a JavaScript XSalsa20).
 *
 * The handshake, the same from both sides (neither needs to know who dialled):
 *   1. send HELLO ‖ own nonce (32 B); read the peer's, refuse a wrong hello or our own nonce;
 *   2. send HMAC(primary, proof ‖ own nonce ‖ peer nonce)[0..16); read the peer's proof and find
 *      the key it was made with; none: refuse.
 * Then bytes out are XORed with ChaCha20 under HMAC(primary, stream ‖ own ‖ peer nonce) and bytes
 * in under HMAC(matched key, stream ‖ peer ‖ own nonce): every connection and direction has a key
 * of its own, used once, so the IV is zero (a direction could carry 256 GiB before the counter
 * wraps). The cipher hides the protocol from a stranger and binds the whole connection to the
 * key; confidentiality and integrity of the protocols come from Noise above it.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import type { AbortOptions, ConnectionProtector, MultiaddrConnection } from '@libp2p/interface'
import { byteStream } from 'it-byte-stream'
import { duplexPair } from 'it-pair/duplex'
import { pipe } from 'it-pipe'
import type { Logger } from 'pino'
import { directionKey, handshakeProof, matchProof, NONCE_BYTES, PROOF_BYTES, type ClusterKeyring } from './cluster-key.js'

/** The first bytes of the handshake: version 1. A peer without a cluster key sends multistream-select's `\x13/multistream/1.0.0\n`. */
export const HELLO = Buffer.from('kos-ck1\n')
const ZERO_IV = Buffer.alloc(16)

/**
 * Why a connection was not admitted: `no-key` (the peer runs without a cluster key, or is not a
 * kOS node), `wrong-key` (its proof matches none of our keys), `reflected` (it sent our own nonce
 * back), `closed` (it closed the connection during the handshake: usually it refused our key),
 * `timeout` (the handshake did not finish in time).
 */
export const REFUSAL_REASONS = ['no-key', 'wrong-key', 'reflected', 'closed', 'timeout'] as const
export type RefusalReason = typeof REFUSAL_REASONS[number]
/** Which key of our keyring the peer proved. */
export type AdmittedBy = 'primary' | 'accepted'

export class ClusterKeyRefusedError extends Error {
  override name = 'ClusterKeyRefusedError'
  constructor (readonly reason: RefusalReason, message: string, options?: ErrorOptions) { super(message, options) }
}

export interface ClusterKeyProtectorInit {
  keyring: ClusterKeyring
  /** Deadline of the handshake; libp2p's dial or inbound-upgrade deadline applies as well. */
  handshakeTimeoutMs: number
  log: Logger
  onRefused: (reason: RefusalReason) => void
  onAdmitted: (by: AdmittedBy) => void
}

/** Refusals are attempts worth a warning, but a scanner or a stranger redialling must not flood the log: one line a second at most. */
const WARN_INTERVAL_MS = 1000

type Chunk = Uint8Array | { subarray: () => Uint8Array }

/** XORs every chunk with the keystream of `key` (the same function encrypts and decrypts). */
function keystream (key: Buffer): (source: AsyncIterable<Chunk>) => AsyncGenerator<Uint8Array> {
  const cipher = createCipheriv('chacha20', key, ZERO_IV)
  return async function * (source) {
    for await (const chunk of source) yield cipher.update(chunk.subarray())
  }
}

export class ClusterKeyProtector implements ConnectionProtector {
  readonly [Symbol.toStringTag] = '@kos/cluster-key-protector'
  private ring: ClusterKeyring
  private readonly init: ClusterKeyProtectorInit
  private lastWarnAt = -Infinity
  private heldBack = 0

  constructor (init: ClusterKeyProtectorInit) {
    this.init = init
    this.ring = init.keyring
  }

  get keyring (): ClusterKeyring { return this.ring }

  /** Replaces the keyring: every connection made from now on proves and accepts the new keys. */
  setKeyring (keyring: ClusterKeyring): void {
    this.ring = keyring
  }

  async protect (connection: MultiaddrConnection, options: AbortOptions = {}): Promise<MultiaddrConnection> {
    // A reload during the handshake applies from the next connection on.
    const ring = this.ring
    const primary = ring[0]!
    const deadline = AbortSignal.timeout(this.init.handshakeTimeoutMs)
    const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal])
    const ownNonce = randomBytes(NONCE_BYTES)
    const bytes = byteStream(connection)
    let matched: number | undefined
    let peerNonce: Buffer
    try {
      const [, hello] = await Promise.all([
        bytes.write(Buffer.concat([HELLO, ownNonce]), { signal }),
        bytes.read({ bytes: HELLO.length, signal })
      ])
      if (!Buffer.from(hello.subarray()).equals(HELLO)) throw this.refuse('no-key', connection, 'the peer sent no cluster-key hello: it runs without a cluster key, or is not a kOS node')
      peerNonce = Buffer.from((await bytes.read({ bytes: NONCE_BYTES, signal })).subarray())
      if (peerNonce.equals(ownNonce)) throw this.refuse('reflected', connection, 'the peer sent our own nonce back')
      const [, proof] = await Promise.all([
        bytes.write(handshakeProof(primary, ownNonce, peerNonce), { signal }),
        bytes.read({ bytes: PROOF_BYTES, signal })
      ])
      matched = matchProof(ring, proof.subarray(), peerNonce, ownNonce)
      if (matched === undefined) throw this.refuse('wrong-key', connection, 'the peer proved a cluster key this node does not hold')
    } catch (err) {
      if (err instanceof ClusterKeyRefusedError) throw err
      // Our own side gave up (libp2p stopping, a dial cancelled): nothing to count.
      if (options.signal?.aborted === true) throw err
      if (deadline.aborted) throw this.refuse('timeout', connection, `no cluster-key handshake within ${this.init.handshakeTimeoutMs} ms`, err)
      throw this.refuse('closed', connection, `the peer closed the connection during the cluster-key handshake (${(err as Error).message})`, err)
    }

    const [internal, external] = duplexPair<Uint8Array>()
    // As pnet does: out through our keystream to the wire, in through the peer's to the caller.
    pipe(
      external,
      keystream(directionKey(primary, ownNonce, peerNonce)),
      bytes.unwrap(),
      keystream(directionKey(ring[matched]!, peerNonce, ownNonce)),
      external
    ).catch((err: unknown) => { this.init.log.debug({ err, remote: connection.remoteAddr.toString() }, 'cluster-key connection failed') })
    this.init.onAdmitted(matched === 0 ? 'primary' : 'accepted')
    // What Noise writes may be a Uint8ArrayList; keystream() takes either (it calls subarray()).
    return { ...connection, source: internal.source, sink: internal.sink as unknown as MultiaddrConnection['sink'] }
  }

  /** Counts and logs a refusal; the caller throws the error it returns, and libp2p closes the connection. */
  private refuse (reason: RefusalReason, connection: MultiaddrConnection, message: string, cause?: unknown): ClusterKeyRefusedError {
    this.init.onRefused(reason)
    const now = performance.now()
    if (now - this.lastWarnAt >= WARN_INTERVAL_MS) {
      this.init.log.warn({ reason, remote: connection.remoteAddr.toString(), ...(this.heldBack > 0 ? { refusalsNotLogged: this.heldBack } : {}) },
        `connection refused by the cluster key: ${message}`)
      this.lastWarnAt = now
      this.heldBack = 0
    } else {
      this.heldBack++
    }
    return new ClusterKeyRefusedError(reason, message, cause === undefined ? undefined : { cause })
  }
}
