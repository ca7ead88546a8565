/**
 * What a cluster service is (issue 18): an agent definition (config/agent-spec.ts, the same
 * fields and defaults) plus how many instances the coordinator keeps running and where:
 * `replicas`, `spread` and an optional `nodeSelector`. One zod schema for `POST /v1/services`,
 * the forwarded request the coordinator checks again, and the audit entries every node folds.
 *
 * Each instance gets a port of its node's `servicePortRange` in `$PORT`; an http probe's URL may
 * say `${PORT}` (`http://127.0.0.1:${PORT}/healthz`) and is filled in per instance, so several
 * replicas of one service can share a host.
 */
import { z } from 'zod'
import { ROLES } from '@kos/client'
import { agentShape, probeSchemaWith } from '../config/agent-spec.js'

/**
 * Service names become instance ids (`web-0`) and the agent names of their instances
 * (`svc.web-0`, agent names are at most 63 characters), hence the shorter bound.
 */
export const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,47}$/
/** Bound on replicas: every instance is a line of the coordinator's table on one gossip message. */
export const MAX_REPLICAS = 64
export const PORT_PLACEHOLDER = '${PORT}'

/** An http probe URL that is a URL once `${PORT}` is filled in. */
const httpTemplate = z.string().max(2048).refine((u) => {
  try {
    const url = new URL(u.replaceAll(PORT_PLACEHOLDER, '65535'))
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch { return false }
}, 'must be an http:// or https:// URL (${PORT} stands for the instance\'s port)')

const serviceProbe = probeSchemaWith(httpTemplate)

export const serviceSpecSchema = z.object({
  ...agentShape(serviceProbe),
  name: z.string().regex(SERVICE_NAME, 'lowercase letters, digits, _ and -, up to 48, starting with a letter or digit'),
  /** How many instances run, each on a node of its own. */
  replicas: z.number().int().min(1).max(MAX_REPLICAS),
  /**
   * `node`: no two instances share a node. `zone`: instances go to distinct `zone` labels while
   * there are enough zones, and to distinct nodes in any case.
   */
  spread: z.enum(['node', 'zone']).default('node'),
  /** Only nodes with one of these roles (and, if given, in one of these zones) take instances. */
  nodeSelector: z.object({
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length).optional(),
    zones: z.array(z.string().min(1).max(64)).min(1).max(64).optional()
  }).strict().optional()
}).strict()

export type ServiceSpecInput = z.input<typeof serviceSpecSchema>
export type ServiceSpec = z.output<typeof serviceSpecSchema>

/** The agent name of a service instance on its node: apart from user agents' names by the prefix. */
export function instanceAgentName (instanceId: string): string { return `svc.${instanceId}` }

/** The instance id of slot `slot` of `service`: stable across re-placements (the generation changes). */
export function instanceId (service: string, slot: number): string { return `${service}-${slot}` }

/** `${PORT}` filled in. */
export function withPort (text: string, port: number): string { return text.replaceAll(PORT_PLACEHOLDER, String(port)) }
