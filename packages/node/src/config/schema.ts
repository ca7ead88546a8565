/**
 * The one config schema of a kOS node. Every tunable lives here with its unit in its name, its
 * default and the reason for it. `resolveConfig` validates it once at the edge, refuses unknown
 * keys and returns a frozen object; the rest of the node only reads it.
 *
 * Combined effect with the `lan` defaults (heartbeat 1 s, phi threshold 8, std floor 200 ms,
 * acceptable pause 500 ms, probe 500 ms, suspicion 1 s):
 * - a peer that goes silent (host freeze, partition) reaches phi 8 after about
 *   1000 + 500 + 5.2 × 200 ≈ 2.5 s, is suspect after the failed probe (≈ 3.0 s) and dead after
 *   the suspicion timeout (≈ 4.0 s); so a stall of up to about 3 s is never declared dead;
 * - a peer whose process dies closes its TCP connections; the lost connection triggers the same
 *   probe at once, which fails fast (connection refused), so a crashed process is dead after
 *   about probe + suspicion ≈ 1.1 s.
 * The `tolerant` profile doubles the pauses it accepts: silent ≈ 7.6 s, crashed ≈ 2.1 s, and a
 * 4 s stall is never declared dead.
 */
import { z } from 'zod'
import { authoritiesSchema, ESCALATION_CLASSES, ROLES, routeChainSchema, type EscalationClass } from '@kos/core'
import { agentSpecSchema } from './agent-spec.js'

export { ROLES }
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const

/** `host:port`, the form of `--api`. */
const hostPort = z.string().regex(/^[A-Za-z0-9.\-]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7070')
  .refine((s) => { const p = Number(s.slice(s.lastIndexOf(':') + 1)); return p >= 0 && p <= 65535 }, 'port must be 0..65535')

const ms = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max)

// The escalation vocabulary (classes, route targets, authorities) is the core's; composed here.
const routeChain = routeChainSchema

/** Who the node is, where it listens and serves its API, where it keeps its data, how it logs. */
const nodeConfig = z.object({
  /** Gossip topics are namespaced by it, so two clusters on one network never mix. */
  cluster: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -, up to 63'),
  /** A human label shown in `kos peers`; the peer id is the identity. Default: the host name. */
  name: z.string().min(1).max(64),
  /** A label: it counts only when `authorities` designates this peer id for the same role. */
  role: z.enum(ROLES),
  /**
   * The failure domain this node runs in (a rack, a room, a cloud zone), shown in `kos peers`:
   * the coordinator spreads the voters across zones, so losing one zone loses as few voters as
   * it can. Empty: no zone (every zoneless member counts as one zone).
   */
  zone: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, ., _ and -, up to 63, starting with a letter or digit').or(z.literal('')),
  /** The profile the defaults came from (`lan`, `tolerant`); kept for display. */
  profile: z.string(),
  /** libp2p listen multiaddrs. Default: loopback only, safe for one machine, on port 7946. */
  listen: z.array(z.string()).min(1),
  /** Multiaddrs of peers to join at start, with or without /p2p/<peerId>; retried until joined. */
  bootstrap: z.array(z.string()),
  /** Where the local HTTP API listens. Loopback by default: beyond it, it needs TLS (api-exposure.ts). */
  api: hostPort,
  /** The API's TLS certificate (PEM); with apiTlsKeyFile, the API speaks HTTPS. Empty: plain HTTP. */
  apiTlsCertFile: z.string().max(4096),
  apiTlsKeyFile: z.string().max(4096),
  /** Serve a non-loopback `api` over plain HTTP anyway: a private network or a TLS proxy protects it. */
  apiInsecure: z.boolean(),
  /**
   * GET /v1/events streams (dashboards, `kos monitor`) served at once; one more is refused (503).
   * Each holds a socket and up to 1 MiB of unsent events, so the cap bounds what they can cost.
   */
  eventStreamMaxClients: z.number().int().min(1).max(10_000),
  /** Holds the identity key and the state store. */
  dataDir: z.string().min(1),
  /**
   * The cluster key file (`kos keygen`): only peers that prove one of its keys are admitted,
   * before Noise and any kOS protocol (net/cluster-key-protector.ts). Empty: no key, which only
   * a node listening on loopback, or one told insecureNoClusterKey, accepts.
   */
  clusterKeyFile: z.string().max(4096),
  /** Listen beyond loopback with no cluster key, so anyone who reaches the port may join; off, such a node refuses to start. */
  insecureNoClusterKey: z.boolean(),
  logLevel: z.enum(LOG_LEVELS),
  /**
   * `json`: one JSON object per line, for log shippers; `pretty`: human lines; `auto`: pretty when
   * stderr is a terminal, JSON otherwise, so a person at a terminal and a supervisor writing to a
   * file each get what they can read without a flag.
   */
  logFormat: z.enum(LOG_FORMATS),

  // ---- lifecycle ----------------------------------------------------------------------------
  /** Bound on a graceful leave (first SIGINT/SIGTERM): notify peers, then stop regardless. */
  leaveTimeoutMs: ms(100, 600_000)
}).strict()

/** Membership: heartbeats, failure detection, probes, state sync (membership/). */
const membershipConfig = z.object({
  /** Heartbeat period. Each costs every peer ~3.7 ms CPU to verify, so 1 s keeps 10 nodes under 5 % of a core. */
  heartbeatIntervalMs: ms(50, 60_000),
  /** Phi at which a peer is probed and then suspected. 8 ⇒ about 1 in 10^8 odds of a false alarm for normal jitter. */
  phiThreshold: z.number().positive().max(100),
  /** Heartbeat intervals kept per peer (1000 would span ~17 min of 1 s heartbeats; 200 adapts faster). */
  phiMaxSampleSize: z.number().int().min(2).max(10_000),
  /** Floor on the interval std deviation: on a quiet loopback the real one is ~1 ms and phi would jump on any hiccup. */
  phiMinStdDeviationMs: ms(1, 60_000),
  /** Silence tolerated on top of the mean interval before phi rises: covers GC pauses and short stalls. */
  phiAcceptableHeartbeatPauseMs: ms(0, 600_000),
  /** Seeds a new peer's history before real intervals exist; the heartbeat interval is the honest guess. */
  phiFirstHeartbeatEstimateMs: ms(1, 600_000),
  /** Deadline of a direct or indirect probe; a stalled peer answers none within it. */
  probeTimeoutMs: ms(10, 60_000),
  /** Peers asked to probe a silent peer on our behalf (ping-req), guarding against a bad path between us. */
  indirectProbes: z.number().int().min(0).max(16),
  /** Time a suspect has to refute (raise its incarnation) before it is declared dead. */
  suspicionTimeoutMs: ms(0, 600_000),
  /** Period of the membership tick that evaluates phi and suspicion timers. */
  tickIntervalMs: ms(10, 10_000),
  /** A tick this late means our own event loop stalled (local health: the fault may be ours). */
  localStallThresholdMs: ms(50, 60_000),
  /** After our own stall we accuse nobody for this long: the backlog of heartbeats needs to drain first. */
  localStallGraceMs: ms(0, 600_000),
  /** Exchange with one random peer by table digests (push/pull): repairs anything gossip missed. */
  pushPullIntervalMs: ms(100, 3_600_000),
  /**
   * Monitors per member (issue 17, docs/design/membership.md): k > 0 sends each heartbeat point
   * to point to the k members after this node on a ring of peer-id hashes, runs detectors only on
   * the k before it, gossips the health summary only when it changes (at most every
   * `healthGossipIntervalMs`), and redials only those 2k when their connections drop (other
   * connections, opened by push/pull, the audit log or the election, close once idle:
   * `connectionIdleCloseMs`): per-node cost independent of N. 5: a member is watched by five
   * nodes, so two lost or slow monitors still leave three to notice and probe it, and a heartbeat
   * costs five small messages whatever the cluster's size; its N = 10 figures meet the detection
   * targets (docs/benchmarks.md). A cluster of six or fewer is fully monitored anyway. Summaries
   * carry a version that push/pull compares and repairs, and a new coordinator asks every member
   * for its services report before it moves a slot, so the ring keeps issue 18's failover promise
   * (docs/design/services.md). 0: every heartbeat gossiped to every member, whose cost per node
   * grows with N.
   */
  monitorsPerMember: z.number().int().min(0).max(32),
  /**
   * With monitorsPerMember > 0: a node gossips its health summary to every member at most this
   * often, when it changed (mode, agents, services, CPU by 10 points, memory by 25 %), and after
   * 10 of these whatever it holds, which also repairs a missed summary or return. 30 s: at 1,000
   * members that is at most 33 summaries a second reaching each node.
   */
  healthGossipIntervalMs: ms(1000, 3_600_000),
  /**
   * Members a sync may introduce that this node does not know yet; the rest are dropped and
   * counted. A joiner brings its whole table once, so this is the largest cluster a join fills in
   * one exchange; a peer inventing thousands of members is held to it (new-member-budget.ts).
   */
  syncMaxNewMembers: z.number().int().min(16).max(100_000),
  /** New members one peer may introduce per minute, over all its syncs. */
  syncMaxNewMembersPerMinute: z.number().int().min(16).max(1_000_000),
  /** Dead members are forgotten after this long: a day leaves a partitioned or repaired member time to come back and be reconnected. */
  reapDeadAfterMs: ms(1000, 30 * 86_400_000),
  /** Left members are forgotten after this long: a day keeps the leave known, so a late stale claim cannot revive it. */
  reapLeftAfterMs: ms(1000, 30 * 86_400_000)
}).strict()

/** The coordinator election (election/). */
const electionConfig = z.object({
  /** How often the coordinator heartbeats each voter; several per lease so one lost heartbeat costs nothing. */
  electionHeartbeatIntervalMs: ms(10, 60_000),
  /** Silence from the coordinator after which a follower asks for pre-votes; bounds failover from below. */
  electionTimeoutMinMs: ms(20, 600_000),
  /** Upper end of the random part: the spread breaks ties, and must stay below electionRankStepMs. */
  electionTimeoutMaxMs: ms(20, 600_000),
  /** The coordinator acts only this long after the newest heartbeat a quorum acknowledged; ≤ 80 % of electionTimeoutMinMs. */
  electionLeaseMs: ms(10, 600_000),
  /** Extra timeout per rank (archon first, then lowest peer id): the preferred survivor fires first, so splits are rare. */
  electionRankStepMs: ms(0, 600_000),
  /** The election's timer fires at each deadline; this is the retry for one already past, and a fifth of the longest sleep (election-shell.ts). */
  electionTickIntervalMs: ms(5, 1000),
  /** A voter dead this long is removed from the voter set (one at a time, by the coordinator). */
  removeAfterMs: ms(1000, 30 * 86_400_000),
  /**
   * How many members vote: 3, 5 or 7, whatever the cluster's size; the other members are
   * non-voters that learn the coordinator by gossip. 5 survives two voters lost at once, and the
   * coordinator's heartbeats (and every election round) then cost the same at 10 members as at
   * 10,000; 7 survives three at two more round trips per heartbeat, 3 only one. Odd, because an
   * even set tolerates no more failures than the odd one below it.
   */
  voters: z.union([z.literal(3), z.literal(5), z.literal(7)], { message: 'must be 3, 5 or 7' }),
  /**
   * How often the coordinator gossips "I coordinate term T, with these voters" to every member;
   * a non-voter that hears none for 3.5 intervals knows no coordinator. 1 s: one small signed
   * message per member per second, and non-voters learn a new coordinator as soon as it is
   * elected (it announces at once).
   */
  coordinatorAnnounceIntervalMs: ms(100, 60_000)
}).strict()

/** Connections to peers, shared by every part that talks to them (net/). */
const connectionConfig = z.object({
  /** First redial delay for a known member that is not connected, or a bootstrap address not joined yet. */
  redialInitialDelayMs: ms(10, 600_000),
  /** Redial backoff cap: a healed partition reconnects within this. */
  redialMaxDelayMs: ms(10, 3_600_000),
  /** Deadline of one dial, and of the join state sync over it. */
  dialTimeoutMs: ms(100, 600_000),
  /**
   * Consecutive failures of one request/response protocol to one peer (probe, sync, election,
   * audit; escalation has its own below) that open that breaker: calls then fail at once, with
   * no dial and no deadline waited out (net/peer-breakers.ts).
   */
  peerBreakerThreshold: z.number().int().min(1).max(1000),
  /** How long an open peer breaker fails calls fast before one trial call (half-open). */
  peerBreakerHalfOpenMs: ms(100, 3_600_000),
  /**
   * New inbound connections accepted per second from one IP address (libp2p's
   * `inboundConnectionThreshold`, 5 by default). Members that share a host share its address
   * (a test, a demo, the 40-node benchmark on 127.0.0.1), and while they start each opens
   * several (its monitors, the voters, the audit log): with 5 a second, joins through the
   * first node timed out for minutes. 100 still turns away a host that floods.
   */
  inboundConnectionsPerHostPerSecond: z.number().int().min(1).max(100_000),
  /**
   * Inbound connections still in their handshake (Noise, Yamux) at once (libp2p's
   * `maxIncomingPendingConnections`, 10 by default); beyond it a new one is refused. On a busy
   * machine a handshake takes hundreds of ms, and a cluster's joins and redials come together.
   */
  maxPendingInboundConnections: z.number().int().min(1).max(100_000),
  /**
   * Connections this node holds at most (libp2p's `maxConnections`); past it libp2p refuses new
   * inbound ones. A backstop, not the bound a node lives by: that is `connectionIdleCloseMs`,
   * which holds a node near the peers it keeps (its 2 × `monitorsPerMember` ring neighbours, the
   * voters if it votes, its gossip mesh: about 10 to 25 with the defaults, whatever the
   * cluster's size). 128 leaves room for a burst of joins through one node (each joiner syncs
   * with it) and for transient exchanges, and keeps a node of a 1,000-member cluster far below
   * libp2p's 512, which a node connected to everyone would pass.
   */
  maxConnections: z.number().int().min(8).max(100_000),
  /**
   * A message channel's stream to a peer that carried nothing for this long is closed, and so is
   * a connection to a peer this node does not keep (net/connection-trim.ts) once it has carried
   * nothing but gossipsub for this long. Push/pull, audit anti-entropy and acks, probes, a
   * join's sync and escalation reach peers outside the kept set now and then; without this each
   * left a connection open, and a node ended up connected to every member. 5 s: an exchange
   * with a peer finishes well within it, an idle connection is gone 10 to 15 s after its last use,
   * and one opened again later costs a TCP and Noise handshake (milliseconds). 0 keeps every
   * connection open until it breaks.
   */
  connectionIdleCloseMs: ms(0, 3_600_000),
  /** Gossip messages over this size are rejected (and the sender penalised). A heartbeat is ~400 B. */
  maxMessageBytes: z.number().int().min(1024).max(4 * 1024 * 1024),
  /** Gossipsub's IP-colocation penalty: 0 because a test or demo cluster shares one host, negative to enable. */
  gossipIpColocationFactorWeight: z.number().max(0),
  /**
   * Gossipsub mesh degree D. Own heartbeats are flood-published to every connected peer, so the
   * mesh only adds redundant copies (each costs a decrypt and decode); 2 keeps a second path
   * while holding idle CPU at N = 10 under 5 % of a core.
   */
  gossipMeshDegree: z.number().int().min(1).max(32),
  /**
   * Gossipsub's D_lazy: the peers outside the mesh that get an IHAVE (the ids of messages seen
   * in the last 3 s) at each gossipsub heartbeat, every second. Messages already reach every
   * connected peer by flood publishing and the rest through the mesh, and push/pull repairs what
   * both miss; libp2p's 6 made ~15 IHAVE a second in and out of each idle node at N = 10, a
   * third of its messages, for ~0.1 IWANT a second. 1 keeps a third path for what is lost.
   */
  gossipLazyDegree: z.number().int().min(0).max(32)
}).strict()

/** The audit log: replication and retention (audit/). */
const auditConfig = z.object({
  /** Anti-entropy period: heads exchanged with one random alive peer; bounds how long a missed gossip or a restart stays behind. */
  auditSyncIntervalMs: ms(100, 3_600_000),
  /** Deadline of an `ack=quorum` append: past it the API answers 504 quorum_timeout (the entry stays written locally). */
  auditQuorumTimeoutMs: ms(100, 600_000),
  /**
   * Chains held, one per origin: a new origin past it is refused (and counted). Bounds the store
   * and the heads message every sync sends, which must stay far below a stream message's limit.
   */
  auditMaxOrigins: z.number().int().min(8).max(65_536),
  /**
   * How far ahead of the local Lamport clock a received entry may be. An entry near 2^53 would
   * drag every node's clock to where no node can append any more; 2^32 is more events than a
   * cluster writes in years, yet leaves the clock room for millions of such jumps.
   */
  auditMaxLamportLeap: z.number().int().min(1_000_000).max(2 ** 48),
  /**
   * A node's repeating observations (its stalls, mode, resource saturation, a suspicion it
   * raises: reactions/repeating-observations.ts) write at most `auditRepeatBurst` entries per
   * observation in this window; the latest of the rest is written when the window has room,
   * with `details.repeated`. Every entry reaches every node, so a starved cluster's reports of
   * being starved must not be what keeps it starved. 0 writes every event.
   */
  auditRepeatWindowMs: ms(0, 3_600_000),
  /** Entries per observation written at once within `auditRepeatWindowMs`. */
  auditRepeatBurst: z.number().int().min(1).max(1000),

  // ---- audit retention (audit/retention.ts) --------------------------------------------------
  /**
   * Entries older than this (by their wall-clock `ts`) are compacted into a signed checkpoint.
   * 0 keeps them whatever their age: how long evidence must be kept is the operator's policy
   * (a compliance period), so no age is guessed for them.
   */
  auditRetentionMaxAgeMs: ms(0, 3650 * 86_400_000),
  /**
   * Entries the store keeps (each origin's head entry always stays); the oldest go first. Every
   * node holds every chain at ≈ 0.5 KB an entry with its indexes (10 KB at most), so 1,000,000
   * bounds the log at ≈ 0.5 GB per node: a disk-full degradation never comes from the log.
   * 0 for no limit.
   */
  auditRetentionMaxEntries: z.number().int().min(0).max(1e12),
  /** Period of the retention pass; each pass is bounded (10,000 entries), so a backlog drains over a few passes. */
  auditCompactIntervalMs: ms(1000, 86_400_000)
}).strict()

/** Escalation to the authorities and operators (escalation/). */
const escalationConfig = z.object({
  /**
   * The authority peers by peer id, the same on every node: Junzi (ethics) and Archon
   * (operations). Only these receive escalations; a heartbeat's role claim alone counts for
   * nothing. Empty by default: a cluster without authorities escalates to operators only. A
   * node whose file names none takes the cluster's from a member at join and pins it.
   */
  authorities: authoritiesSchema,
  /** Human operators: each escalation routed to them is POSTed as JSON, signed with HMAC-SHA256 of the secret. */
  operatorWebhooks: z.array(z.object({
    url: z.string().url().max(2048).refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
    secret: z.string().min(1, 'must not be empty').max(1024)
  }).strict()).max(16),
  /**
   * Per escalation class, the targets tried in order: a role's designated peers, then the next
   * entry. Defaults: ethics to Junzi; node, network, resource, agent to Archon; then the other
   * role, then operators (issue #5). A config file may name only the classes it changes.
   */
  escalationRouting: z.object(Object.fromEntries(ESCALATION_CLASSES.map((c) => [c, routeChain])) as Record<EscalationClass, typeof routeChain>).strict(),
  /** Deadline of one delivery to one target (stream round trip or webhook POST). Loopback needs ms; WAN a few hundred. */
  escalationDeliveryTimeoutMs: ms(50, 120_000),
  /** First retry delay after every target failed; doubled (with decorrelated jitter) up to the max. */
  escalationRetryInitialDelayMs: ms(10, 600_000),
  /** Retry delay cap: an authority that returns is reached within about this (or sooner: its return triggers a retry). */
  escalationRetryMaxDelayMs: ms(10, 3_600_000),
  /** Attempts of one delivery run; then the escalation stays pending and the sweep starts a new run. Bounds the loop. */
  escalationRetryMaxAttempts: z.number().int().min(1).max(1000),
  /** Consecutive failures that open a target's breaker: an open target is skipped, so failover costs no dial. */
  escalationBreakerThreshold: z.number().int().min(1).max(1000),
  /** How long a broken target is skipped before one trial delivery (half-open). */
  escalationBreakerHalfOpenMs: ms(100, 3_600_000),
  /** Period of the sweep that restarts delivery of pending escalations and re-sends unsent ack/resolve notices. */
  escalationSweepIntervalMs: ms(100, 3_600_000),
  /** Escalations kept per box; a full outbox refuses new ones (503) rather than drop old undelivered ones. */
  escalationMaxStored: z.number().int().min(10).max(1_000_000),
  /**
   * Open (unresolved) escalations one sender may have in an authority's inbox: a member that
   * floods it is refused past this, and the others still get through.
   */
  escalationMaxPerSender: z.number().int().min(1).max(1_000_000)
}).strict()

/** Agent supervision, and the resource pressure that sets the service mode (healing/). */
const healingConfig = z.object({
  /** The agents this node runs and keeps healthy (more can be added with POST /v1/agents). Names are unique. */
  agents: z.array(agentSpecSchema).max(256)
    .refine((a) => new Set(a.map((x) => x.name)).size === a.length, 'agent names must be unique'),
  /**
   * The recovery policy file (YAML or JSON), checked at start like the rest of the config
   * (`kos policy check` checks it ahead). Empty: the built-in defaults only.
   */
  policyFile: z.string().max(4096),
  /**
   * The account agents run as (needs the node to run as root). Empty: the node's own, and then an
   * agent can read everything the node can, its API token and identity key included; set it
   * wherever agents are not as trusted as the node.
   */
  agentUser: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}\$?$/, 'a user name').or(z.literal('')),
  /** How often each agent's memory use and error-rate buckets are looked at; bounds how far past its limit a leak gets. */
  agentPollIntervalMs: ms(50, 60_000),
  /**
   * While degraded or minimal, a heartbeat carries the health detail (CPU, memory, loop delay,
   * agents) only every this many heartbeats: the mode itself is in every one, and peers keep the
   * last detail. 5 at the 1 s heartbeat: peers' view of a struggling node is at most 5 s old.
   */
  degradedHealthDetailEvery: z.number().int().min(1).max(1000),
  /** Size at which an agent's stdout or stderr log is rotated. */
  agentLogMaxBytes: z.number().int().min(1024).max(1024 * 1024 * 1024),
  /** Rotated logs kept per stream: an agent's logs take at most (this + 1) × agentLogMaxBytes × 2. */
  agentLogFiles: z.number().int().min(0).max(100),

  // ---- resources and load shedding (healing/resource-monitor.ts, issues 6 and 15) -------------
  /**
   * The node's own resource pressure drives the service mode (normal → degraded → minimal): its
   * CPU share, memory near its limit, its event-loop delay, its disk nearly full. A degraded node
   * holds back non-essential agents and answers non-essential API calls 503 while the pressure
   * lasts; /v1/health answers 429 (a warning: still in service). Each resource has an enter and
   * an exit level per mode, the exit on the safe side, so a value at a threshold does not flap.
   * With the defaults a node degrades within a sample (1 s) of a threshold crossed (CPU: a jump
   * to 100 % crosses 85 % after ≈ 3 s of smoothing), and once every resource is back past its
   * exit level it relaxes one step per 5 s of unbroken calm: normal ≈ 10 s after minimal.
   * The machine's CPU (other processes included) is only reported and warned about.
   * A file may name only the keys it changes: `resources` is merged key by key into the profile's.
   */
  resources: z.object({
    /** Period of a resource sample; event-loop delay is the p99 over it. Shorter reacts faster and costs a statfs and a /proc read each. */
    sampleIntervalMs: ms(100, 600_000),
    /** Half-life of the CPU averages (own and machine): a compile or a GC burst of a second must not shed; 0 takes each sample raw. */
    cpuSmoothingHalfLifeMs: ms(0, 600_000),
    /**
     * Unbroken calm (every resource past its exit level) before the mode relaxes one step; a
     * sample back at an exit level restarts the wait. 5 s: two steps from minimal make ≈ 10 s,
     * long enough that a lull of a few seconds in a long overload does not bring the held-back
     * work back, short enough that a load balancer does not pull a node that is well again.
     */
    recoverAfterMs: ms(0, 3_600_000),
    /**
     * The machine's CPU busy share (all cores, smoothed) from which /v1/health warns (429,
     * check `machine-cpu`) until it is back below `exit`; it never changes the mode or sheds:
     * shedding this node's work does not give a machine busy with other processes back. At 95 %
     * no idle core time is left: the run queue is rarely empty and this node's timers wait for a
     * core. Lower, a build or another test on the host would warn all the time. null: no warning.
     */
    machineCpuBusyPercent: z.object({ enter: z.number().min(0).max(100), exit: z.number().min(0).max(100) }).strict()
      .refine((b) => b.exit < b.enter, { message: 'exit must be below enter (the hysteresis)', path: ['exit'] }).nullable(),
    /**
     * An event-loop delay (p99 over a sample, or the sampling tick this late) at or above this
     * means the node's own loop is blocked: /v1/health answers 503 (critical) for that sample.
     * 2 s: two heartbeats missed; at about 2.5 s of silence peers start to probe this node.
     */
    eventLoopBlockedMs: ms(100, 600_000),
    // Each resource may be null: still sampled and shown, but it never changes the mode (a node
    // sharing its machine with a heavier tenant that must not shed on the tenant's load).
    /** The node's own share of a core, in %: the lesser of its event loop's utilisation and its process CPU time (see resource-samplers.ts). */
    cpuPercent: resourceBands('above', 100).nullable(),
    /** Memory in use, in % of the machine's, the cgroup's or the V8 heap's limit, whichever is fullest. */
    memoryPercent: resourceBands('above', 100).nullable(),
    /** p99 event-loop delay of the node over a sample, in ms. */
    eventLoopDelayMs: resourceBands('above', 600_000).nullable(),
    /** Free space of the file system holding `dataDir`, in %: lower is worse. */
    diskFreePercent: resourceBands('below', 100).nullable()
  }).strict()
}).strict()

/** Cluster services (services/, issue 18): where this node's instances listen, when the coordinator escalates. */
const servicesConfig = z.object({
  /**
   * The ports this node gives its service instances (`$PORT`, `${PORT}` in args and probe URLs),
   * inclusive. Each instance takes a free one at random, checked by binding it, so nodes sharing
   * a host (a test or demo cluster) may share the range. 1000 ports: room for many instances, and
   * two nodes of one host rarely try the same port at the same moment.
   */
  servicePortRange: z.object({ first: z.number().int().min(1024).max(65535), last: z.number().int().min(1024).max(65535) }).strict()
    .refine((r) => r.first <= r.last, { message: 'first must be at most last', path: ['last'] }),
  /**
   * A service with fewer ready instances than `replicas` for this long (no eligible node, or its
   * instances never become ready) is escalated to the Archon by the coordinator. 30 s: well past a
   * re-placement (a few seconds) and a slow start, short enough that an operator hears of it while it matters.
   */
  serviceUnderReplicatedEscalateMs: ms(1000, 86_400_000)
}).strict()

/**
 * The whole config: the parts' own options, composed. Each part takes only its own (and the node's
 * identity where it needs it), so what a part can be told is visible in its type.
 */
export const configSchema = z.object({
  ...nodeConfig.shape,
  ...membershipConfig.shape,
  ...electionConfig.shape,
  ...connectionConfig.shape,
  ...auditConfig.shape,
  ...escalationConfig.shape,
  ...healingConfig.shape,
  ...servicesConfig.shape
}).strict()

/**
 * One resource's degraded and minimal bands. `above`: higher is worse, so each exit sits below
 * its enter and minimal enters at or above degraded; `below` mirrors it. Hoisted, so the block
 * above stays the last in the schema.
 */
function resourceBands (worse: 'above' | 'below', max: number): z.ZodType<{ degraded: { enter: number, exit: number }, minimal: { enter: number, exit: number } }> {
  const band = z.object({ enter: z.number().min(0).max(max), exit: z.number().min(0).max(max) }).strict()
  const safer = (a: number, b: number): boolean => worse === 'above' ? a < b : a > b
  return z.object({ degraded: band, minimal: band }).strict().superRefine((b, ctx) => {
    for (const mode of ['degraded', 'minimal'] as const) {
      if (!safer(b[mode].exit, b[mode].enter)) ctx.addIssue({ code: 'custom', path: [mode, 'exit'], message: `must be ${worse === 'above' ? 'below' : 'above'} ${mode}.enter (the hysteresis)` })
    }
    if (safer(b.minimal.enter, b.degraded.enter)) ctx.addIssue({ code: 'custom', path: ['minimal', 'enter'], message: `must be at or ${worse === 'above' ? 'above' : 'below'} degraded.enter` })
  })
}

export type KosConfig = Readonly<z.infer<typeof configSchema>>
export type NodeConfig = Readonly<z.infer<typeof nodeConfig>>
export type MembershipConfig = Readonly<z.infer<typeof membershipConfig>>
export type ElectionConfig = Readonly<z.infer<typeof electionConfig>>
export type ConnectionConfig = Readonly<z.infer<typeof connectionConfig>>
export type AuditConfig = Readonly<z.infer<typeof auditConfig>>
export type EscalationConfig = Readonly<z.infer<typeof escalationConfig>>
export type HealingConfig = Readonly<z.infer<typeof healingConfig>>
export type ServicesConfig = Readonly<z.infer<typeof servicesConfig>>
