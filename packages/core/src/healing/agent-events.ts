/**
 * The self-healing events on the node's single event path (issue 6). Every detection is one
 * `healing:detected`, classified (agent, node, network, ethics, resource) with the actions the
 * policy chose; what the supervisor then does to an agent is an `agent:*` event. All of them are
 * audited like every other event.
 */
import type { FailureClass } from './policy.js'

export type AgentEvent =
  | { type: 'healing:detected', class: FailureClass, condition: string, severity: 'info' | 'warning' | 'critical', agent: string | null, detail: string, actions: string[], rule: string }
  | { type: 'agent:started', agent: string, pid: number, restarts: number }
  | { type: 'agent:exited', agent: string, pid: number, code: number | null, signal: string | null, expected: boolean }
  | { type: 'agent:restarting', agent: string, delayMs: number, reason: string }
  | { type: 'agent:ready', agent: string, recoveredAfterMs: number | null }
  | { type: 'agent:not-ready', agent: string, reason: string }
  | { type: 'agent:failed', agent: string, reason: string }
  | { type: 'agent:stopped', agent: string, reason: string }
  | { type: 'agent:paused', agent: string, reason: string }
  | { type: 'agent:resumed', agent: string, reason: string }
  /** Only the node where the violation happened records this; the others honour its entry. */
  | { type: 'agent:quarantined', agent: string, reason: string, rule: string, severity: string }
  | { type: 'agent:released', agent: string, quarantinedBy: string, quarantinedSeq: number, by: string }
  | { type: 'agent:defined', agent: string, source: 'config' | 'api' | 'service' }
  /** A quarantine entry from an origin that neither hosts the agent nor is a designated Junzi, not honoured. */
  | { type: 'agent:quarantine-refused', agent: string, by: string, seq: number }
  | { type: 'agent:removed', agent: string }

/** The node's service mode changed (resource pressure), and a resource crossed a saturation threshold or came back under it. */
export type ModeEvent =
  | { type: 'node:mode', from: string, to: string, causes: string[] }
  | { type: 'resource:saturation', resource: string, value: number, threshold: number, state: 'raised' | 'cleared' }
