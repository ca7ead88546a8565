/**
 * The coordinator's announcements on gossip (`kos/<cluster>/coordinator/1`): how non-voters
 * learn the coordinator, its term and the voter set. With a bounded voter set the coordinator
 * heartbeats only its voters and a few learners; everyone else hears one small signed message
 * per announcement period, whatever the cluster's size.
 *
 * The validator runs inside gossipsub, so an invalid or unauthorized announcement is neither
 * delivered nor forwarded, and its sender is scored down: the signer must be one of the voters
 * it announces (a coordinator always is), and its term may not leap past MAX_TERM_LEAP.
 */
import { TopicValidatorResult, type Message, type PeerId } from '@libp2p/interface'
import type { KosLibp2p } from '../net/host.js'
import { coordinatorAnnouncementSchema, type CoordinatorAnnouncement, type VoterConfig } from '@kos/core'
import { decodeMessage, encodeMessage, MessageDecodeError, WIRE_VERSION } from '@kos/core'

export function announcementTopic (cluster: string): string { return `kos/${cluster}/coordinator/1` }

export interface AnnouncementsOptions {
  cluster: string
  maxMessageBytes: number
  /** A verified announcement, `from` its signer. Must not block. */
  onAnnouncement: (from: string, a: CoordinatorAnnouncement) => void
  /** Why one was refused (a metrics label). */
  onInvalid: (reason: string) => void
}

export class CoordinatorAnnouncements {
  private readonly libp2p: KosLibp2p
  private readonly o: AnnouncementsOptions
  private readonly topic: string
  private readonly decoded = new WeakMap<Message, CoordinatorAnnouncement>()

  constructor (libp2p: KosLibp2p, options: AnnouncementsOptions) {
    this.libp2p = libp2p
    this.o = options
    this.topic = announcementTopic(options.cluster)
  }

  start (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onGossip)
    pubsub.subscribe(this.topic)
  }

  stop (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onGossip)
    try { pubsub.unsubscribe(this.topic) } catch {}
    pubsub.topicValidators.delete(this.topic)
  }

  /** Publishes "I coordinate `term` with these voters"; best-effort (the next period repeats it). */
  announce (term: number, config: VoterConfig): void {
    const body: CoordinatorAnnouncement = { v: WIRE_VERSION, t: 'coordinator', term, config }
    this.libp2p.services.pubsub.publish(this.topic, encodeMessage(body)).catch(() => {})
  }

  private readonly validate = (_source: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed') { this.o.onInvalid('unsigned'); return TopicValidatorResult.Reject }
    let a: CoordinatorAnnouncement
    try {
      a = decodeMessage(msg.data, coordinatorAnnouncementSchema, this.o.maxMessageBytes)
    } catch (err) {
      this.o.onInvalid(err instanceof MessageDecodeError ? err.reason : 'malformed')
      return TopicValidatorResult.Reject
    }
    if (!a.config.voters.includes(msg.from.toString())) { this.o.onInvalid('forged'); return TopicValidatorResult.Reject }
    this.decoded.set(msg, a)
    return TopicValidatorResult.Accept
  }

  private readonly onGossip = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic || msg.type !== 'signed') return
    const a = this.decoded.get(msg)
    if (a !== undefined) this.o.onAnnouncement(msg.from.toString(), a)
  }
}
