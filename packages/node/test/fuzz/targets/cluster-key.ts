/**
 * The cluster key (net/cluster-key*.ts): its file parser (`--cluster-key-file`, read at start
 * and on SIGHUP), and the connection protector's handshake, the first bytes a stranger sends,
 * before Noise. The parser refuses with ClusterKeyFormatError or returns a keyring of the file's
 * own keys; the handshake refuses with ClusterKeyRefusedError or admits a peer that proved a
 * key of the ring, which no mutation of a proof can.
 */
import type { MultiaddrConnection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { pushable } from 'it-pushable'
import { pino } from 'pino'
import {
  CLUSTER_KEY_BYTES, ClusterKeyFormatError, clusterKeyId, formatClusterKey, handshakeProof, MAX_CLUSTER_KEYS, NONCE_BYTES, parseClusterKeys, PROOF_BYTES,
  type ClusterKeyring
} from '../../../src/net/cluster-key.js'
import { ClusterKeyProtector, ClusterKeyRefusedError, HELLO, REFUSAL_REASONS, type AdmittedBy, type RefusalReason } from '../../../src/net/cluster-key-protector.js'
import { hostileString } from '../hostile.js'
import { applyByteMutations, byteMutations, type ByteMutation } from '../mutate-bytes.js'
import { mutatedText } from '../mutate-text.js'
import { expectOutcome, expectOutcomeAsync, FuzzFinding, type Outcome } from '../outcome.js'
import { defineTarget, type FuzzTarget } from '../target.js'

const key = (b: number): Buffer => Buffer.alloc(CLUSTER_KEY_BYTES, b)
const RING: ClusterKeyring = [key(1), key(2)]
const FOREIGN = key(3)

/** Key files as `kos keygen` and an operator in the middle of a rotation write them. */
const KEY_FILES = [
  `${formatClusterKey(key(1))}\n`,
  `# rotation: new primary first\r\n${formatClusterKey(key(2))}\r\n\n  ${formatClusterKey(key(1))}  \n# old\n`
]

/** Lines a key file may be edited to hold: other keys, near misses, comments, anything. */
const keyFileLine: fc.Arbitrary<string> = fc.oneof(
  fc.uint8Array({ minLength: CLUSTER_KEY_BYTES, maxLength: CLUSTER_KEY_BYTES }).map((k) => formatClusterKey(k)),
  fc.uint8Array({ maxLength: 48 }).map((k) => `kos-cluster-key-v1:${Buffer.from(k).toString('base64')}`),
  fc.string({ maxLength: 50 }).map((s) => `kos-cluster-key-v1:${s}`),
  fc.constantFrom('', '#', '   ', '\r', 'kos-cluster-key-v1:', 'kos-cluster-key-v2:' + Buffer.alloc(32).toString('base64'), `${formatClusterKey(key(1))}=`),
  hostileString
)

/** What a parsed keyring must be: 1..MAX keys of 32 bytes, distinct, each written in the text. */
function keyringProblem (text: string, ring: ClusterKeyring): string | null {
  if (ring.length === 0 || ring.length > MAX_CLUSTER_KEYS) return `a keyring of ${ring.length} keys`
  if (new Set(ring.map((k) => k.toString('hex'))).size !== ring.length) return 'the same key twice'
  for (const k of ring) {
    if (k.length !== CLUSTER_KEY_BYTES) return `a key of ${k.length} bytes`
    if (!text.includes(formatClusterKey(k))) return 'a key the file does not hold'
    clusterKeyId(k)
  }
  return null
}

const fileTarget: FuzzTarget<string> = {
  name: 'net.cluster-key-file',
  input: fc.oneof(
    { weight: 6, arbitrary: mutatedText(KEY_FILES, keyFileLine) },
    { weight: 1, arbitrary: fc.array(keyFileLine, { maxLength: 20 }).map((lines) => lines.join('\n')) },
    { weight: 1, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom(...KEY_FILES) }
  ),
  check: (text) => expectOutcome(() => parseClusterKeys(text), (err) => err instanceof ClusterKeyFormatError, (ring) => keyringProblem(text, ring))
}

/** What the peer sends after our hello: a genuine answer with some key, mutated, or random bytes. */
interface PeerScript {
  /** Which key the peer proves: ours (primary, accepted) or a foreign one. */
  key: 0 | 1 | 2
  nonce: Uint8Array
  /** It sends our own nonce back. */
  reflect: boolean
  mutations: ByteMutation[] | null
  /** Random bytes instead of an answer. */
  raw: Uint8Array | null
}

const peerScript: fc.Arbitrary<PeerScript> = fc.record({
  key: fc.constantFrom(0 as const, 1 as const, 2 as const),
  nonce: fc.uint8Array({ minLength: NONCE_BYTES, maxLength: NONCE_BYTES }),
  reflect: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  mutations: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: byteMutations }),
  raw: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) })
})

function answerOf (script: PeerScript, ourNonce: Buffer): Uint8Array {
  if (script.raw !== null) return script.raw
  const nonce = script.reflect ? ourNonce : Buffer.from(script.nonce)
  const k = [...RING, FOREIGN][script.key] as Buffer
  const genuine = Buffer.concat([HELLO, nonce, handshakeProof(k, nonce, ourNonce)])
  return script.mutations === null ? genuine : applyByteMutations(genuine, script.mutations)
}

/** Why admitting after `answer` was wrong: it must hold our hello, a nonce not ours, and a proof by a key of the ring. */
function admissionProblem (answer: Uint8Array, ourNonce: Buffer, by: AdmittedBy | undefined): string | null {
  const a = Buffer.from(answer)
  const nonce = a.subarray(HELLO.length, HELLO.length + NONCE_BYTES)
  const proof = a.subarray(HELLO.length + NONCE_BYTES, HELLO.length + NONCE_BYTES + PROOF_BYTES)
  if (!a.subarray(0, HELLO.length).equals(HELLO) || nonce.equals(ourNonce)) return 'admitted without a hello or with our own nonce'
  const i = RING.findIndex((k) => handshakeProof(k, nonce, ourNonce).equals(proof))
  if (i < 0) return 'admitted a peer that proved no key of the ring'
  return by === (i === 0 ? 'primary' : 'accepted') ? null : `admitted by ${String(by)}, yet the proof is by key ${i}`
}

/**
 * Our end of a connection whose peer waits for our hello and nonce, answers with `answer` of
 * our nonce, and closes; `ourNonce` is known once our first bytes are out.
 */
function scriptedConnection (answer: (ourNonce: Buffer) => Uint8Array): { conn: MultiaddrConnection, sent: () => { nonce: Buffer, answer: Uint8Array } | null } {
  const incoming = pushable<Uint8Array>()
  let out = Buffer.alloc(0)
  let exchange: { nonce: Buffer, answer: Uint8Array } | null = null
  const conn = {
    source: incoming,
    sink: async (source: AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>) => {
      for await (const chunk of source) {
        if (exchange !== null) continue
        out = Buffer.concat([out, chunk.subarray()])
        if (out.length < HELLO.length + NONCE_BYTES) continue
        const nonce = Buffer.from(out.subarray(HELLO.length, HELLO.length + NONCE_BYTES))
        exchange = { nonce, answer: answer(nonce) }
        if (exchange.answer.length > 0) incoming.push(exchange.answer)
        incoming.end()
      }
    },
    remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001'),
    timeline: { open: Date.now() },
    log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }),
    close: async () => {},
    abort: () => {}
  }
  return { conn: conn as unknown as MultiaddrConnection, sent: () => exchange }
}

async function handshakeCheck (script: PeerScript): Promise<Outcome> {
  const refused: RefusalReason[] = []
  const admitted: AdmittedBy[] = []
  const protector = new ClusterKeyProtector({
    keyring: RING, handshakeTimeoutMs: 5000, log: pino({ level: 'silent' }), onRefused: (r) => { refused.push(r) }, onAdmitted: (b) => { admitted.push(b) }
  })
  const { conn, sent } = scriptedConnection((ourNonce) => answerOf(script, ourNonce))
  return await expectOutcomeAsync(async () => await protector.protect(conn), (err) => {
    if (!(err instanceof ClusterKeyRefusedError) || !REFUSAL_REASONS.includes(err.reason)) return false
    if (refused.length !== 1 || refused[0] !== err.reason) throw new FuzzFinding(`refused as ${err.reason}, counted as ${refused.join(', ')}`)
    return true
  }, (upgraded) => {
    // Ends what the protector piped, so nothing is left waiting.
    void upgraded.sink((async function * () {})())
    const exchange = sent()
    if (exchange === null) return 'admitted before it sent its nonce'
    return admissionProblem(exchange.answer, exchange.nonce, admitted[0])
  })
}

export function clusterKeyTargets (): FuzzTarget[] {
  return [
    defineTarget(fileTarget),
    defineTarget({ name: 'net.cluster-key-handshake', input: peerScript, checkAsync: handshakeCheck })
  ]
}
