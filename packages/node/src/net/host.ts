/**
 * The libp2p host: TCP + Noise + Yamux, identify, ping and gossipsub, tuned for a cluster mesh
 * whose nodes may share one host, and with a cluster key, its protector under Noise. Built from
 * the config; started by the node.
 */
import { gossipsub, type GossipsubEvents, type GossipsubOpts } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, type Identify } from '@libp2p/identify'
import type { ConnectionProtector, Libp2p, PrivateKey, PubSub } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { KosConfig } from '../config/schema.js'
import { memoiseEd25519Keys } from './ed25519-keys.js'
import { invalidMessageRegister } from './gossip-invalid-counter.js'
import { deferYamuxWindowUpdates } from './yamux-window.js'

export type KosLibp2p = Libp2p<{ identify: Identify, ping: Ping, pubsub: PubSub<GossipsubEvents> }>

function toHex (bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Gossipsub's verdict on a message it refused, with the topic's label. */
export type InvalidGossipHandler = (topicLabel: string, error: string) => void

export function gossipsubOptions (config: KosConfig, onInvalid: InvalidGossipHandler, topicLabels: Map<string, string>): Partial<GossipsubOpts> {
  const D = config.gossipMeshDegree
  return {
    // Every message is signed and its signer is its origin (docs/design/overview.md, Protocols).
    globalSignaturePolicy: 'StrictSign',
    // A lone first node still heartbeats; publishing to nobody is not an error for us.
    allowPublishToZeroTopicPeers: true,
    // Our own heartbeats go straight to every subscribed peer: one hop, the lowest latency.
    floodPublish: true,
    emitSelf: false,
    D,
    Dlo: Math.max(1, D - 1),
    Dhi: D * 2,
    Dout: Math.min(2, Math.max(0, Math.floor(D / 2) - 1)),
    // IHAVE to D_lazy peers outside the mesh only, not to a quarter of all peers when that is more.
    Dlazy: config.gossipLazyDegree,
    gossipFactor: 0,
    // Duplicates (the same message forwarded by several mesh peers) are dropped by from+seqno
    // before the ~ms signature check, instead of after it.
    fastMsgIdFn: (msg) => toHex(msg.from) + toHex(msg.seqno),
    scoreParams: {
      // Nodes of a test or demo cluster share 127.0.0.1; colocation must not make them strangers.
      IPColocationFactorWeight: config.gossipIpColocationFactorWeight,
      IPColocationFactorThreshold: 1
    },
    maxInboundDataLength: config.maxMessageBytes * 64,
    metricsRegister: invalidMessageRegister(onInvalid),
    metricsTopicStrToLabel: topicLabels
  }
}

/**
 * The address this node dials from: its listen host, when every listen address names the same
 * specific IPv4 host. Peers (and firewall rules) then see one address per node, the one it
 * is bound to; it is what lets chaos tests cut links between 127.0.x.y nodes.
 */
export function dialFromAddress (listen: readonly string[]): string | undefined {
  const hosts = new Set(listen.map((a) => a.split('/')).map((p) => p[1] === 'ip4' ? p[2] : undefined))
  if (hosts.size !== 1) return undefined
  const [host] = hosts
  return host === undefined || host === '0.0.0.0' ? undefined : host
}

function localAddressOf (listen: readonly string[]): { localAddress?: string } {
  const from = dialFromAddress(listen)
  return from === undefined ? {} : { localAddress: from }
}

/** `protector`: the cluster key's (net/cluster-key-protector.ts), which admits a connection before Noise runs; none without a key. */
export async function createHost (
  config: KosConfig, privateKey: PrivateKey, onInvalidGossip: InvalidGossipHandler, topicLabels: Map<string, string>,
  protector?: ConnectionProtector
): Promise<KosLibp2p> {
  deferYamuxWindowUpdates()
  memoiseEd25519Keys()
  return createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: [...config.listen] },
    ...(protector === undefined ? {} : { connectionProtector: () => protector }),
    // dialOpts reach net.connect() as they are (multiaddrToNetConfig spreads them), so
    // localAddress works although TCPSocketOptions does not declare it.
    transports: [tcp({ dialOpts: localAddressOf(config.listen) as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Loopback and private addresses are where clusters live; the default gater allows them in
    // Node.js, stated here so it stays true.
    connectionGater: { denyDialMultiaddr: async () => false },
    // Liveness is the phi detector's job: libp2p's own ping monitor would close the connection
    // to a briefly stalled peer and turn a stall into a suspicion.
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxConnections: config.maxConnections,
      dialTimeout: config.dialTimeoutMs,
      inboundConnectionThreshold: config.inboundConnectionsPerHostPerSecond,
      maxIncomingPendingConnections: config.maxPendingInboundConnections
    },
    services: {
      identify: identify(),
      ping: ping({ timeout: config.probeTimeoutMs }),
      pubsub: gossipsub(gossipsubOptions(config, onInvalidGossip, topicLabels))
    }
  })
}
