/**
 * An admitted but hostile peer for cluster tests: a real libp2p host with the node's own
 * transport, encryption and gossip settings (`createHost`), started in the test process, that
 * speaks the audit and election protocols as a compromised member would:
 * - entries under another node's origin, by gossip (a signed push whose entry names a victim as
 *   origin) and by the direct channel, carrying its own signature;
 * - genuinely signed entries of its own chain with an absurd Lamport time, or of the types only
 *   the coordinator writes (a service definition, with a term it does not coordinate or an absurd one);
 * - checkpoints of another node's chain, signed with its own key;
 * - election messages: acks with an absurd term, heartbeats crowning itself with a voter set;
 * - coordinator announcements crowning itself, to the members that do not vote;
 * - membership notices raising another member's incarnation, then declaring it dead there.
 * A correct node refuses each, counts it and, where it is an attempt, audits a warning.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeMessage, encodeReplication, WIRE_VERSION, type ReplicationMessage } from '@kos/core'
import { createCheckpoint, createEntry, electionChannels, type AuditEntry, type AuditFields } from '@kos/core'
import { membershipTopics } from '@kos/core'
import { auditTopic, createHost, MessageChannel, resolveConfig, type KosLibp2p } from '@kos/node'
import { pino } from 'pino'

/** The gossip topic of the coordinator's announcements. */
function announcementTopic (cluster: string): string { return electionChannels(cluster, 0).announcements.name }

export interface ForgedEntry { origin: string, seq: number, hash: string, type: string }

export class HostilePeer {
  private constructor (
    readonly host: KosLibp2p,
    private readonly key: PrivateKey,
    private readonly cluster: string,
    private readonly channel: MessageChannel,
    private readonly election: MessageChannel,
    private readonly dir: string
  ) {}

  static async start (cluster = 'kos'): Promise<HostilePeer> {
    const dir = await mkdtemp(join(tmpdir(), 'kos-forger-'))
    const config = resolveConfig({ flags: { cluster, name: 'forger', listen: ['/ip4/127.0.0.1/tcp/0'], dataDir: dir } })
    const key = await generateKeyPair('Ed25519')
    const host = await createHost(config, key, () => {}, new Map())
    await host.start()
    host.services.pubsub.subscribe(auditTopic(cluster))
    host.services.pubsub.subscribe(membershipTopics(cluster).membership)
    host.services.pubsub.subscribe(announcementTopic(cluster))
    const channel = new MessageChannel(host, {
      protocol: `/kos/${cluster}/audit-sync/2.0.0`,
      maxMessageBytes: 1024 * 1024,
      maxQueuedPerPeer: 16,
      dialTimeoutMs: 5000,
      onMessage: () => {}
    }, pino({ level: 'silent' }))
    await channel.start()
    const election = new MessageChannel(host, {
      protocol: `/kos/${cluster}/election/1.0.0`,
      maxMessageBytes: 64 * 1024,
      maxQueuedPerPeer: 16,
      dialTimeoutMs: 5000,
      onMessage: () => {}
    }, pino({ level: 'silent' }))
    await election.start()
    return new HostilePeer(host, key, cluster, channel, election, dir)
  }

  get peerId (): string { return this.host.peerId.toString() }

  async connect (addr: string): Promise<void> {
    await this.host.dial(multiaddr(addr))
  }

  /** Peers that the forger's gossip reaches on the audit topic. */
  topicPeers (): number {
    return this.host.services.pubsub.getSubscribers(auditTopic(this.cluster)).length
  }

  /** An entry with `victim` as origin, seq 1, signed with the forger's key. */
  async forge (victim: string, type: string): Promise<ForgedEntry & Record<string, unknown>> {
    const entry = await createEntry(null, { class: 'operator', type, severity: 'critical', subject: victim, details: { forged: true } },
      { peerId: victim, sign: (bytes: Uint8Array) => this.key.sign(bytes) }, 1, Date.now())
    return entry as unknown as ForgedEntry & Record<string, unknown>
  }

  /** An entry of its own chain (seq 1), genuinely signed, at Lamport time `lamport`. */
  async ownEntry (lamport: number, type: string): Promise<ForgedEntry & Record<string, unknown>> {
    const entry = await createEntry(null, { class: 'operator', type, severity: 'info', subject: 'x', details: {} },
      { peerId: this.peerId, sign: (bytes: Uint8Array) => this.key.sign(bytes) }, lamport, Date.now())
    return entry as unknown as ForgedEntry & Record<string, unknown>
  }

  /**
   * Entries of its own chain (seq 1, 2, …, from Lamport time `lamport`), genuinely signed, with
   * these fields: what a member whose process was altered could write, past its API's checks.
   */
  async ownChain (fields: AuditFields[], lamport = 1): Promise<Array<ForgedEntry & Record<string, unknown>>> {
    const out: Array<ForgedEntry & Record<string, unknown>> = []
    let prev: AuditEntry | null = null
    for (const [i, f] of fields.entries()) {
      prev = await createEntry(prev, f, { peerId: this.peerId, sign: (bytes: Uint8Array) => this.key.sign(bytes) }, lamport + i, Date.now())
      out.push(prev as unknown as ForgedEntry & Record<string, unknown>)
    }
    return out
  }

  /** "`victim`'s chain now starts after `seq`", signed with the hostile peer's own key. */
  async checkpoint (victim: string, seq: number): Promise<unknown> {
    return await createCheckpoint({ origin: victim, seq, hash: 'ab'.repeat(32), lamport: seq, ts: Date.now() },
      { peerId: this.peerId, sign: (bytes: Uint8Array) => this.key.sign(bytes) }, Date.now())
  }

  /** Publishes a membership notice about `target`, signed by the hostile peer, as any member may. */
  async notice (state: 'alive' | 'suspect' | 'dead', target: string, incarnation: number, addrs: string[] = []): Promise<void> {
    const topic = membershipTopics(this.cluster).membership
    await this.host.services.pubsub.publish(topic, encodeMessage({ v: WIRE_VERSION, t: 'notice', state, target, incarnation, name: 'victim', role: 'member', addrs }))
  }

  /** Peers that the hostile peer's gossip reaches on the membership notice topic. */
  noticePeers (): number {
    return this.host.services.pubsub.getSubscribers(membershipTopics(this.cluster).membership).length
  }

  /** Sends one election envelope (`{ v, t: 'election', m, config? }`) to `to`. */
  sendElection (to: string, envelope: Record<string, unknown>): void {
    this.election.send(to, encodeMessage(envelope))
  }

  /** Announces itself coordinator of `term` with `voters` (naming itself, as the topic's check demands). */
  async announce (term: number, voters: string[]): Promise<void> {
    await this.host.services.pubsub.publish(announcementTopic(this.cluster), encodeMessage({ v: WIRE_VERSION, t: 'coordinator', term, config: { term, version: 1000, voters } }))
  }

  /** Peers that the hostile peer's announcements reach. */
  announcePeers (): number {
    return this.host.services.pubsub.getSubscribers(announcementTopic(this.cluster)).length
  }

  /** Publishes a push on the audit gossip topic (signed by the forger, as gossip must be). */
  async gossip (entries: unknown[]): Promise<void> {
    await this.host.services.pubsub.publish(auditTopic(this.cluster), encodeReplication({ kind: 'push', entries }))
  }

  /** Sends a message on the direct audit channel to one node. */
  send (to: string, msg: ReplicationMessage): void {
    this.channel.send(to, encodeReplication(msg))
  }

  async stop (): Promise<void> {
    await this.channel.stop().catch(() => {})
    await this.election.stop().catch(() => {})
    try { await this.host.stop() } catch {}
    await rm(this.dir, { recursive: true, force: true })
  }
}
