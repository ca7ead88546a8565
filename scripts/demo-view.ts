/**
 * What `npm run demo` shows: one snapshot of the cluster read over the nodes' public HTTP API
 * (the same routes `kos peers`, `kos coordinator`, `kos audit tail` and `kos escalations` use),
 * and its rendering, as a full screen on a terminal or as compact lines for a log.
 *
 * The member table is one node's view (the "viewer": the first node that is up and not stopped),
 * since failure detection is each node's own judgement; the PROCESS column is what the demo did
 * to each process, so the two can be compared: SIGKILLed here, `suspect` then `dead` there.
 */
import type { AgentInfo, AuditEntryView, CoordinatorInfo, EscalationView, NodeInfo, PeersResponse, ServicesResponse } from '@kos/client'
import type { KosProcess } from '@kos/testkit'

/** What the demo did to a node's process. */
export type ProcessState = 'running' | 'SIGKILLed' | 'restarting' | 'SIGSTOPped'

export interface DemoNode {
  proc: KosProcess
  /** The example agents its config defines, with their ports. */
  agents: Array<{ name: string, port: number }>
  /** The authority its config designates it as, if any. */
  authority: 'junzi' | 'archon' | null
  state: ProcessState
}

export interface Snapshot {
  elapsedS: number
  viewer: string | null
  members: string[][]
  coordinator: string
  agents: string[][]
  /** Each cluster service on one line: status and where its instances run. */
  services: string[]
  escalations: string[]
}

/** Audit lines on the screen. */
const AUDIT_LINES = 12
/** Replicated entries can arrive late (a stalled origin): look back this far, keep seen keys. */
const AUDIT_LOOKBACK_MS = 20_000
/** Entries of one type and subject this close in time are one line, naming every writer. */
const GROUP_WINDOW_MS = 3000
const MAX_GROUPS = 500
/**
 * Left out of the audit view: each node's own event-loop stalls, which on a shared machine come
 * every few seconds and would push everything else off the screen (counted instead).
 */
const AUDIT_HIDDEN = /^(node:stalled)$/

interface AuditGroup { ts: number, severity: string, type: string, subject: string, origins: string[], printed: boolean }

const pad = (s: string, n: number): string => s.length >= n ? s : s + ' '.repeat(n - s.length)
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19)

function table (rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) => r.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd())
}

/**
 * Polls the nodes and keeps what the screen shows. `names` maps every peer id to its node name
 * (the identities are made before the nodes start, so they are all known).
 */
export class DemoView {
  /** Recent audit lines, oldest first, and the entries (origin/seq) already read. */
  private readonly groups: AuditGroup[] = []
  private readonly seen = new Set<string>()
  private readonly hidden = new Map<string, number>()
  /** Entries older than the demo's schedule (the cluster forming) are not shown. */
  private readonly auditFrom = Date.now() - 1000
  private lastCoordinator: string | null = null
  private readonly coordinatorHistory: string[] = []

  constructor (private readonly nodes: DemoNode[], private readonly names: Map<string, string>, private readonly startedAt: number) {}

  private name (id: string | null): string {
    if (id === null) return '-'
    return this.names.get(id) ?? `${id.slice(0, 6)}…${id.slice(-4)}`
  }

  /** Peer ids in a text (audit subjects such as `agent:scribe@<peerId>`) replaced by names. */
  private named (text: string): string {
    return text.replace(/(12D3Koo[A-Za-z0-9]{40,})/g, (id) => this.name(id))
  }

  private up (n: DemoNode): boolean { return n.state === 'running' && n.proc.running }

  async snapshot (): Promise<Snapshot> {
    const viewer = this.nodes.find((n) => this.up(n))
    const [peers, coord, self] = viewer === undefined
      ? [undefined, undefined, undefined]
      : await Promise.all([
        viewer.proc.api<PeersResponse>('/v1/peers').then((r) => r.body).catch(() => undefined),
        viewer.proc.api<CoordinatorInfo>('/v1/coordinator').then((r) => r.body).catch(() => undefined),
        viewer.proc.api<NodeInfo>('/v1/node').then((r) => r.body).catch(() => undefined)
      ])
    const members: string[][] = [['NODE', 'PROCESS', 'STATE', 'PHI', 'LAST HB', 'INC', 'AUTHORITY', 'AGENTS', 'MODE']]
    for (const n of this.nodes) {
      const isViewer = n === viewer
      const p = peers?.peers.find((x) => x.peerId === n.proc.peerId)
      const star = coord?.peerId === n.proc.peerId ? ' ★' : ''
      const agents = p?.health?.agents
      members.push([
        n.proc.name + star,
        n.state,
        isViewer ? '(viewer)' : p?.state ?? '?',
        p?.phi === null || p?.phi === undefined ? '-' : p.phi.toFixed(1),
        p?.lastHeartbeatAgeMs === null || p?.lastHeartbeatAgeMs === undefined ? '-' : `${(p.lastHeartbeatAgeMs / 1000).toFixed(1)}s`,
        String((isViewer ? self?.incarnation : p?.incarnation) ?? '-'),
        (isViewer ? n.authority : p?.authority) ?? '-',
        agents === undefined || agents.total === 0 ? '-' : `${agents.running}/${agents.total}${agents.quarantined > 0 ? ` q${agents.quarantined}` : ''}`,
        (isViewer ? self?.mode : p?.health?.mode) ?? '-'
      ])
    }
    this.noteCoordinator(coord)
    const [agents, escalations, services] = await Promise.all([this.agents(), this.escalations(), this.services(viewer)])
    if (viewer !== undefined) await this.pollAudit(viewer.proc)
    return {
      elapsedS: Math.round((performance.now() - this.startedAt) / 1000),
      viewer: viewer?.proc.name ?? null,
      members,
      coordinator: this.coordinatorLine(coord),
      agents,
      services,
      escalations
    }
  }

  /** The cluster services as the viewer sees them: `web (2 replicas): ok — web-0#1 on n3 ready, …`. */
  private async services (viewer: DemoNode | undefined): Promise<string[]> {
    if (viewer === undefined) return []
    const list = await viewer.proc.api<ServicesResponse>('/v1/services').then((r) => r.body.services).catch(() => undefined)
    if (list === undefined) return ['(not answering)']
    return list.map((s) => `${s.name} (${s.replicas} replicas): ${s.status} — ` +
      (s.instances.map((i) => `${i.id}#${i.generation} on ${i.nodeName} ${i.ready ? 'ready' : i.state}`).join(', ') || 'no instance'))
  }

  private noteCoordinator (coord: CoordinatorInfo | undefined): void {
    if (coord === undefined) return
    const now = coord.peerId === null ? null : `${this.name(coord.peerId)} (term ${coord.term})`
    if (now === this.lastCoordinator) return
    if (now !== null) this.coordinatorHistory.push(`${clock(Date.now())} ${now}`)
    if (this.coordinatorHistory.length > 4) this.coordinatorHistory.shift()
    this.lastCoordinator = now
  }

  private coordinatorLine (coord: CoordinatorInfo | undefined): string {
    const current = coord === undefined ? '?' : coord.peerId === null ? 'none (no lease: an election is due)' : `${this.name(coord.peerId)}, term ${coord.term}`
    return `${current}    history: ${this.coordinatorHistory.join(' → ') || '-'}`
  }

  private async agents (): Promise<string[][]> {
    const rows: string[][] = [['NODE', 'AGENT', 'STATE', 'RESTARTS', 'PID', 'WHY']]
    await Promise.all(this.nodes.filter((n) => n.agents.length > 0).map(async (n) => {
      const list = this.up(n)
        ? await n.proc.api<{ agents: AgentInfo[] }>('/v1/agents').then((r) => r.body.agents).catch(() => undefined)
        : undefined
      for (const a of n.agents) {
        const info = list?.find((x) => x.name === a.name)
        const why = info === undefined ? `(node ${n.state === 'running' ? 'not answering' : n.state})` : info.quarantine !== null ? `quarantined: ${info.quarantine.reason}` : info.reason
        rows.push([n.proc.name, a.name, info?.state ?? '?', info === undefined ? '-' : String(info.restarts), String(info?.pid ?? '-'), this.named(why).slice(0, 60)])
      }
    }))
    const order = this.nodes.map((n) => n.proc.name)
    return [rows[0]!, ...rows.slice(1).sort((a, b) => order.indexOf(a[0]!) - order.indexOf(b[0]!) || a[1]!.localeCompare(b[1]!))]
  }

  /** The newest few escalations in each authority's inbox. */
  private async escalations (): Promise<string[]> {
    const out: string[] = []
    for (const n of this.nodes.filter((x) => x.proc.name === 'junzi' || x.proc.name === 'archon')) {
      if (!this.up(n)) { out.push(`${n.proc.name}: (${n.state})`); continue }
      const list = await n.proc.api<{ escalations: EscalationView[] }>('/v1/escalations?box=inbox').then((r) => r.body.escalations).catch(() => undefined)
      if (list === undefined) { out.push(`${n.proc.name}: (not answering)`); continue }
      if (list.length === 0) out.push(`${n.proc.name} inbox: empty`)
      for (const e of list.slice(0, 3)) {
        out.push(`${n.proc.name} inbox: ${clock(Date.parse(e.createdAt))} ${e.class}/${e.severity} from ${this.name(e.origin)}: ${this.named(e.summary).slice(0, 90)} [${e.status}]`)
      }
    }
    return out
  }

  /**
   * Reads the viewer's newest audit entries (GET /v1/audit is in time order, so ask `since`) and
   * folds the copies several nodes write of one fact (each node audits its own view: `member:dead n4`
   * five times) into one line naming the writers.
   */
  private async pollAudit (viewer: KosProcess): Promise<void> {
    const since = Math.max(this.auditFrom, Date.now() - AUDIT_LOOKBACK_MS)
    const res = await viewer.api<{ entries: AuditEntryView[] }>(`/v1/audit?since=${since}&limit=1000`).catch(() => undefined)
    if (res?.status !== 200) return
    for (const e of [...res.body.entries].sort((a, b) => a.ts - b.ts)) {
      const key = `${e.origin}/${e.seq}`
      if (this.seen.has(key)) continue
      this.seen.add(key)
      if (AUDIT_HIDDEN.test(e.type)) { this.hidden.set(e.type, (this.hidden.get(e.type) ?? 0) + 1); continue }
      const subject = this.named(e.subject)
      const origin = this.name(e.origin)
      const group = this.groups.findLast((g) => g.type === e.type && g.subject === subject && Math.abs(g.ts - e.ts) < GROUP_WINDOW_MS)
      if (group === undefined) this.groups.push({ ts: e.ts, severity: e.severity, type: e.type, subject, origins: [origin], printed: false })
      else if (!group.origins.includes(origin)) group.origins.push(origin)
    }
    this.groups.sort((a, b) => a.ts - b.ts)
    if (this.groups.length > MAX_GROUPS) this.groups.splice(0, this.groups.length - MAX_GROUPS)
  }

  private line (g: AuditGroup): string {
    return `${clock(g.ts)} ${pad(g.severity, 8)} ${pad(g.type, 27)} ${pad(g.subject.slice(0, 40), 12)} (by ${g.origins.join(', ')})`
  }

  /** The newest audit lines, oldest first, for the screen. */
  get auditLines (): string[] { return this.groups.slice(-AUDIT_LINES).map((g) => this.line(g)) }

  /** What the audit view leaves out, and why. */
  get auditHidden (): string {
    const stalls = this.hidden.get('node:stalled') ?? 0
    return stalls === 0 ? '' : ` (${stalls} node:stalled hidden: a node's own event loop lagged, common on a busy machine)`
  }

  /** Audit lines not printed yet and old enough that no more copies are expected (for the log output). */
  takeNewAudit (): string[] {
    const settled = Date.now() - GROUP_WINDOW_MS
    const out = this.groups.filter((g) => !g.printed && g.ts < settled)
    for (const g of out) g.printed = true
    return out.map((g) => this.line(g))
  }
}

/** The full screen (terminal): clear, then the tables. */
export function renderScreen (s: Snapshot, banners: string[], audit: string[], hidden: string, footer: string): string {
  const lines = [
    `kOS mesh demo — ${s.elapsedS}s — member states as seen by ${s.viewer ?? '(no node up)'}; ★ coordinator`,
    '',
    ...table(s.members),
    '',
    `coordinator: ${s.coordinator}`,
    '',
    ...table(s.agents),
    '',
    'cluster services:',
    ...(s.services.length === 0 ? ['  -'] : s.services.map((l) => `  ${l}`)),
    '',
    'escalations (newest first):',
    ...s.escalations.map((l) => `  ${l}`),
    '',
    `audit log (newest last)${hidden}:`,
    ...audit.map((l) => `  ${l}`),
    '',
    'schedule:',
    ...banners.map((l) => `  ${l}`),
    '',
    footer
  ]
  return `\x1b[H\x1b[2J${lines.join('\n')}\n`
}

/**
 * A compact snapshot for a log: the members and agents on one line each, the escalations when
 * they changed since the last snapshot, then the new audit lines.
 */
export function renderCompact (s: Snapshot, newAudit: string[], withEscalations: boolean): string {
  const members = s.members.slice(1).map((r) => `${r[0]} ${r[1]}/${r[2]} φ${r[3]} inc${r[5]}`).join(' | ')
  const agents = s.agents.slice(1).map((r) => `${r[0]}/${r[1]} ${r[2]} r${r[3]}`).join(' | ')
  return [
    `--- t=${s.elapsedS}s seen by ${s.viewer ?? '-'}: ${members}`,
    `    coordinator: ${s.coordinator}`,
    `    agents: ${agents}`,
    ...s.services.map((l) => `    service ${l}`),
    ...(withEscalations ? s.escalations.map((l) => `    ${l}`) : []),
    ...newAudit.map((l) => `    audit: ${l}`)
  ].join('\n') + '\n'
}
