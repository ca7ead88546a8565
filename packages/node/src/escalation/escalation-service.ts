/**
 * Escalation's network shell (docs/design/escalation.md, issue #5): runs the pure parts (record, routing,
 * outbox, inbox) on LevelDB (store.ts), libp2p (`/kos/<cluster>/escalate/1.0.0`, wire.ts),
 * webhooks (webhook.ts) and cockatiel (delivery.ts).
 *
 * Sender: `create` writes the record to the durable outbox (synced) before it answers, then a
 * delivery run takes it to the first target of its route that acknowledges. Pending items are
 * re-run by the sweep and at start (so they survive a restart), and at once when an authority
 * comes back. Authority: a delivery from a peer is checked (this node is a designated authority,
 * the record's origin is the sending peer), stored in the inbox once per id and acknowledged;
 * `ack`/`resolve` by its operators advance the inbox and are notified to the sender until it
 * confirms. Every transition is an event on the node's path, hence audited.
 */
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { Authorities } from '@kos/core'
import type { EscalationConfig, NodeConfig } from '../config/schema.js'
import type { AuthorityEvent, EscalationEvent } from './escalation-events.js'
import type { MemberView } from '@kos/core'
import type { KosLibp2p } from '../net/host.js'
import type { PeerBreakers } from '../net/peer-breakers.js'
import { handle, request } from '../net/streams.js'
import { DeliveryRuns } from './delivery.js'
import { agreedDesignation, sameDesignation } from '@kos/core'
import { Inbox, type InboxItem } from '@kos/core'
import { Outbox, type OutboxItem } from '@kos/core'
import { makeEscalation, type Escalation, type EscalationInput, type EscalationStatus } from '@kos/core'
import { sample } from '@kos/core'
import { authorityOf, deliveryPlan, designatedRole, peerOfTargetKey, peerTargetKey, refusedClaim, targetName, type AuthorityRole, type Target } from '@kos/core'
import { EscalationStore } from './store.js'
import { postWebhook } from './webhook.js'
import { answerSchema, decodeEscalationMessage, encodeEscalationMessage, MAX_ESCALATION_MESSAGE_BYTES, requestSchema, type EscalationAnswer, type EscalationRequest } from '@kos/core'

/** Period of the claim check (heartbeat role labels change without an event). */
const CLAIM_CHECK_MS = 1000
/** Longest wait between two rounds of asking members for the cluster's authorities. */
const MAX_LEARN_GAP_MS = 60_000
/** Members asked for the designation in one round; a majority of them must agree. */
const MAX_ASKED = 9

export interface EscalationServiceComponents {
  libp2p: KosLibp2p
  config: EscalationConfig & Pick<NodeConfig, 'cluster' | 'dataDir' | 'role'>
  log: Logger
  /** The member table (self not included). */
  members: () => MemberView[]
  emit: (event: EscalationEvent | AuthorityEvent) => void
  /** The node's breakers per peer: every request of this protocol to a peer goes through `escalation`. */
  breakers: PeerBreakers
}

export type Box = 'inbox' | 'outbox'

export class EscalationUnavailableError extends Error {
  override name = 'EscalationUnavailableError'
}

export class EscalationService {
  private readonly c: EscalationServiceComponents
  readonly protocol: string
  private store: EscalationStore | undefined
  private readonly outbox = new Outbox()
  private readonly inbox = new Inbox()
  private readonly runs: DeliveryRuns
  private readonly refused = new Set<string>()
  private readonly notifying = new Set<string>()
  /** Items reported undelivered since they were created or restarted: one event per outage, not one per run. */
  private readonly reportedUndelivered = new Set<string>()
  private timers: NodeJS.Timeout[] = []
  private self = ''
  private running = false
  /** The designation in force: the config's, else the one learnt from the cluster and pinned. */
  private designation: Authorities
  private designationSource: 'config' | 'cluster' | 'none'
  private learning = false
  /** When to ask again, and the gap after a round nobody answered (doubling: most clusters have no authorities). */
  private learnAt = 0
  private learnGapMs = CLAIM_CHECK_MS

  constructor (components: EscalationServiceComponents) {
    this.c = components
    const a = components.config.authorities
    this.designation = a
    this.designationSource = a.junzi.length + a.archon.length > 0 ? 'config' : 'none'
    this.protocol = `/kos/${components.config.cluster}/escalate/1.0.0`
    this.runs = new DeliveryRuns(components.config, {
      plan: (record) => this.plan(record),
      send: async (target, record) => await this.send(target, record),
      pendingRecord: (id) => { const i = this.outbox.get(id); return i?.status === 'pending' ? i.record : undefined },
      onFailed: (id, target, err) => {
        this.outbox.attemptFailed(id, `${targetName(target)}: ${(err as Error).message}`, new Date())
        this.c.log.debug({ id, target: target.key, err: (err as Error).message }, 'escalation delivery failed')
      },
      onDelivered: async (id, target, status) => { await this.delivered(id, target, status) },
      sharedBreaker: (target) => target.kind === 'peer' ? this.c.breakers.policy(target.peerId, 'escalation') : undefined,
      onRunExhausted: (id, err) => {
        const item = this.outbox.get(id)
        if (item?.status !== 'pending' || this.reportedUndelivered.has(id)) return
        this.reportedUndelivered.add(id)
        this.c.emit({ type: 'escalation:undelivered', id, attempts: item.attempts, error: (err as Error).message })
      }
    })
  }

  /** This node's own authority: designated, and its `--role` label agrees. */
  get selfAuthority (): AuthorityRole | null {
    return authorityOf(this.self, this.c.config.role, this.designation)
  }

  /** The designated authorities in force, and where they came from. */
  get authorities (): Authorities { return this.designation }
  get authoritiesSource (): 'config' | 'cluster' | 'none' { return this.designationSource }

  async start (): Promise<void> {
    const { libp2p, config } = this.c
    this.self = libp2p.peerId.toString()
    this.store = await EscalationStore.open(join(config.dataDir, 'escalations'))
    const pinned = this.designationSource === 'none' ? await this.store.pinnedAuthorities() : undefined
    if (pinned !== undefined) { this.designation = pinned; this.designationSource = 'cluster' }
    if (designatedRole(this.self, this.designation) !== null && this.selfAuthority === null) {
      this.c.log.warn({ designated: designatedRole(this.self, this.designation), role: config.role }, 'this node is a designated authority but runs with another --role: it does not act as one')
    }
    for (const item of await this.store.loadOutbox()) this.outbox.load(item)
    for (const item of await this.store.loadInbox()) this.inbox.load(item)
    await handle(libp2p, this.protocol, async (body, from) => encodeEscalationMessage(await this.onRequest(body, from)), {
      maxRequestBytes: MAX_ESCALATION_MESSAGE_BYTES,
      timeoutMs: config.escalationDeliveryTimeoutMs
    })
    this.running = true
    const sweep = setInterval(() => { this.sweep() }, config.escalationSweepIntervalMs)
    const claims = setInterval(() => { this.checkClaims(); void this.learnAuthorities() }, CLAIM_CHECK_MS)
    sweep.unref(); claims.unref()
    this.timers = [sweep, claims]
    // What was pending before a restart is delivered now.
    this.sweep()
  }

  async stop (): Promise<void> {
    if (!this.running && this.store === undefined) return
    this.running = false
    for (const t of this.timers) clearInterval(t)
    this.runs.stop()
    await this.c.libp2p.unhandle(this.protocol).catch(() => {})
    const store = this.store
    this.store = undefined
    await store?.close()
  }

  /**
   * Creates an escalation (idempotent on `input.id`), durable in the outbox before it resolves,
   * and starts its delivery. Throws EscalationUnavailableError when the outbox is full.
   */
  async create (input: EscalationInput): Promise<{ id: string, created: boolean }> {
    const store = this.requireStore()
    const held = input.id === undefined ? undefined : this.outbox.get(input.id)
    if (held !== undefined) return { id: held.record.id, created: false }
    if (this.outbox.size >= this.c.config.escalationMaxStored) {
      throw new EscalationUnavailableError(`the outbox holds ${this.outbox.size} escalations (escalationMaxStored)`)
    }
    const { item, created } = this.outbox.add(makeEscalation(input, this.self, new Date()), new Date())
    if (!created) return { id: item.record.id, created: false }
    await store.putOutbox(item)
    const r = item.record
    this.c.emit({ type: 'escalation:created', id: r.id, class: r.class, severity: r.severity, subject: r.subject, summary: r.summary })
    this.runs.start(r.id)
    return { id: r.id, created: true }
  }

  list (box: Box): Array<OutboxItem | InboxItem> {
    return box === 'outbox' ? this.outbox.list() : this.inbox.list()
  }

  get (id: string): { box: Box, item: OutboxItem | InboxItem } | undefined {
    const out = this.outbox.get(id)
    if (out !== undefined) return { box: 'outbox', item: out }
    const inb = this.inbox.get(id)
    return inb === undefined ? undefined : { box: 'inbox', item: inb }
  }

  /**
   * The authority's operators ack or resolve an inbox item. Returns the item, or undefined when
   * the inbox does not hold `id`; a step that does not advance (already resolved) is a no-op.
   */
  async advance (id: string, status: 'acked' | 'resolved'): Promise<InboxItem | undefined> {
    const store = this.requireStore()
    const held = this.inbox.get(id)
    if (held === undefined) return undefined
    const next = this.inbox.advance(id, status, new Date())
    if (next === null) return held
    await store.putInbox(next)
    this.c.emit({ type: status === 'acked' ? 'escalation:acked' : 'escalation:resolved', id, by: this.self, box: 'inbox' })
    void this.notifySender(next)
    return next
  }

  /** A member became alive or joined: an authority coming back gets what waits, at once. */
  memberUp (peerId: string): void {
    if (!this.running || designatedRole(peerId, this.designation) === null) return
    // The node forgets the peer's breakers on the same events; done here too so that the kick
    // below never meets the old breaker, whatever order the event's listeners run in.
    this.c.breakers.forget(peerId, 'escalation')
    this.runs.reset(peerTargetKey(peerId))
    this.runs.kick(this.outbox.pending().map((i) => i.record.id))
  }

  private plan (record: Escalation): Target[] {
    const members = new Map(this.c.members().map((m) => [m.peerId, m]))
    return deliveryPlan(record.class, { ...this.c.config, authorities: this.designation }, {
      self: this.self,
      isAlive: (id) => members.get(id)?.state === 'alive',
      labelOf: (id) => members.get(id)?.role ?? null,
      isBroken: (key) => {
        const peer = peerOfTargetKey(key)
        return peer === null ? this.runs.isBroken(key) : this.c.breakers.isOpen(peer, 'escalation')
      }
    }, record.route)
  }

  private async send (target: Target, record: Escalation): Promise<EscalationStatus> {
    const timeoutMs = this.c.config.escalationDeliveryTimeoutMs
    if (target.kind === 'webhook') {
      await postWebhook(target.url, target.secret, record, timeoutMs)
      return 'delivered'
    }
    // Unguarded: the delivery run already holds this peer's shared breaker around this call.
    const answer = await this.askOnce(peerIdFromString(target.peerId), { t: 'escalate', record })
    return answer.status ?? 'delivered'
  }

  /** One request through the peer's escalation breaker: fails at once while it is open. */
  private async ask (peer: PeerId, req: EscalationRequest): Promise<EscalationAnswer & { ok: true }> {
    return await this.c.breakers.execute(peer.toString(), 'escalation', async () => await this.askOnce(peer, req))
  }

  /**
   * One request. A refusal is an answer, yet it throws and so counts against the breaker: an
   * authority that keeps refusing (not designated, inbox full) is skipped like an unreachable one.
   */
  private async askOnce (peer: PeerId, req: EscalationRequest): Promise<EscalationAnswer & { ok: true }> {
    const bytes = await request(this.c.libp2p, peer, this.protocol, encodeEscalationMessage(req), {
      timeoutMs: this.c.config.escalationDeliveryTimeoutMs,
      maxResponseBytes: MAX_ESCALATION_MESSAGE_BYTES
    })
    const answer = decodeEscalationMessage(bytes, answerSchema)
    if (!answer.ok) throw new Error(`refused: ${answer.error}`)
    return answer
  }

  private async delivered (id: string, target: Target, status: EscalationStatus): Promise<void> {
    const change = this.outbox.delivered(id, targetName(target), status, new Date())
    if (change === null) return
    this.reportedUndelivered.delete(id)
    await this.store?.putOutbox(change.item)
    this.c.emit({ type: 'escalation:delivered', id, to: targetName(target), kind: target.kind, attempts: change.item.attempts + 1 })
    if (change.item.status === 'acked' || change.item.status === 'resolved') {
      this.c.emit({ type: change.item.status === 'acked' ? 'escalation:acked' : 'escalation:resolved', id, by: targetName(target), box: 'outbox' })
    }
  }

  /** Serves one request of the protocol. Never throws: refusals are answers. */
  private async onRequest (body: Uint8Array, from: PeerId): Promise<EscalationAnswer> {
    const sender = from.toString()
    let req: EscalationRequest
    try {
      req = decodeEscalationMessage(body, requestSchema)
    } catch (err) {
      return { ok: false, error: `malformed request: ${(err as Error).message}` }
    }
    if (this.store === undefined) return { ok: false, error: 'stopping' }
    if (req.t === 'escalate') {
      if (this.selfAuthority === null) return { ok: false, error: 'this node is not a designated authority' }
      if (req.record.origin !== sender) return { ok: false, error: 'the record\'s origin is not the sending peer' }
      if (this.inbox.get(req.record.id) === undefined) {
        const refused = await this.roomFor(sender)
        if (refused !== null) return { ok: false, error: refused }
      }
      const { item, created } = this.inbox.receive(req.record, sender, new Date())
      if (created) {
        await this.store.putInbox(item)
        const r = item.record
        this.c.emit({ type: 'escalation:received', id: r.id, from: sender, class: r.class, severity: r.severity, subject: r.subject })
      }
      return { ok: true, status: item.status }
    }
    if (req.t === 'authorities') {
      return this.designationSource === 'none' ? { ok: true } : { ok: true, authorities: this.designation }
    }
    // A status notice counts only from a designated authority; for an unknown id it is a no-op.
    if (designatedRole(sender, this.designation) === null) return { ok: false, error: 'not a designated authority' }
    const change = this.outbox.notice(req.id, req.status, sender, new Date())
    if (change !== null) {
      await this.store.putOutbox(change.item)
      this.c.emit({ type: req.status === 'acked' ? 'escalation:acked' : 'escalation:resolved', id: req.id, by: sender, box: 'outbox' })
    }
    return { ok: true }
  }

  /**
   * Whether the inbox takes a new escalation from `sender`, making room if it must: only from a
   * member this node knows, at most escalationMaxPerSender open ones per sender (so one noisy or
   * hostile member cannot fill it for all), and when full, by forgetting the longest-resolved
   * item. Returns why not, or null.
   */
  private async roomFor (sender: string): Promise<string | null> {
    if (!this.c.members().some((m) => m.peerId === sender && (m.state === 'alive' || m.state === 'suspect'))) {
      return 'the sender is not a member of this cluster'
    }
    if (this.inbox.openFrom(sender) >= this.c.config.escalationMaxPerSender) {
      this.c.log.warn({ sender }, 'escalation refused: the sender has too many open escalations here')
      return `too many open escalations from this sender (${this.c.config.escalationMaxPerSender})`
    }
    if (this.inbox.size < this.c.config.escalationMaxStored) return null
    const evicted = this.inbox.evictOne()
    if (evicted === undefined) return 'inbox full'
    await this.requireStore().deleteInbox(evicted)
    return null
  }

  /** Tells the sender of an inbox item its new status; on failure the sweep tries again. */
  private async notifySender (item: InboxItem): Promise<void> {
    const id = item.record.id
    if (this.notifying.has(id) || item.notified || (item.status !== 'acked' && item.status !== 'resolved')) return
    this.notifying.add(id)
    try {
      await this.ask(peerIdFromString(item.from), { t: 'status', id, status: item.status })
      const next = this.inbox.notified(id, item.status)
      if (next !== null) await this.store?.putInbox(next)
    } catch (err) {
      this.c.log.debug({ id, to: item.from, err: (err as Error).message }, 'escalation status notice failed; the sweep retries')
    } finally {
      this.notifying.delete(id)
    }
  }

  private sweep (): void {
    if (!this.running) return
    for (const item of this.outbox.pending()) this.runs.start(item.record.id)
    for (const item of this.inbox.unnotified()) void this.notifySender(item)
  }

  /** Audits each refused role claim once per peer and role. */
  private checkClaims (): void {
    for (const m of this.c.members()) {
      const label = m.role
      const claimed = refusedClaim(m.peerId, label, this.designation)
      if (claimed === null || this.refused.has(`${m.peerId}/${claimed}`)) continue
      this.refused.add(`${m.peerId}/${claimed}`)
      this.c.emit({ type: 'authority:claim-refused', peerId: m.peerId, name: m.name, claimed })
    }
  }

  /**
   * A node given no designation asks the alive members (at most MAX_ASKED of them, drawn at
   * random: the first ones of the table would be asked by every member, and each would hold a
   * connection from everyone) for the cluster's, and pins the one a strict majority of them
   * gives (designation-agreement.ts): later answers never change it, only the config file can.
   * No single peer can name itself.
   */
  private async learnAuthorities (): Promise<void> {
    if (this.designationSource !== 'none' || this.learning || !this.running || Date.now() < this.learnAt) return
    const alive = sample(this.c.members().filter((x) => x.state === 'alive'), MAX_ASKED, Math.random)
    if (alive.length === 0) return
    this.learning = true
    this.learnAt = Date.now() + this.learnGapMs
    this.learnGapMs = Math.min(MAX_LEARN_GAP_MS, this.learnGapMs * 2)
    try {
      const answers = await Promise.all(alive.map(async (m) => {
        try {
          return (await this.ask(peerIdFromString(m.peerId), { t: 'authorities' })).authorities
        } catch {
          return undefined
        }
      }))
      const a = agreedDesignation(answers.filter((x) => x !== undefined), alive.length)
      if (a === undefined || !this.running) return
      await this.requireStore().putPinnedAuthorities(a)
      this.designation = a
      this.designationSource = 'cluster'
      const agreed = alive.filter((_, i) => answers[i] !== undefined && sameDesignation(answers[i], a)).map((m) => m.peerId)
      this.c.emit({ type: 'authority:adopted', agreed, asked: alive.length, junzi: a.junzi, archon: a.archon })
    } finally {
      this.learning = false
    }
  }

  private requireStore (): EscalationStore {
    if (this.store === undefined) throw new EscalationUnavailableError('the escalation service is not running')
    return this.store
  }
}
