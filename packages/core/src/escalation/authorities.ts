/**
 * The escalation vocabulary the config and the wire share: the classes, the targets a route may
 * name, and the designated authorities (config key `authorities`; also what the cluster hands a
 * joiner). The config schema composes these; the escalation rules and codecs read them.
 */
import { z } from 'zod'
import { peerIdString } from '../wire/identifiers.js'

/** Escalation classes (issue #5); routing has one entry per class. */
export const ESCALATION_CLASSES = ['ethics', 'node', 'network', 'resource', 'agent'] as const
export type EscalationClass = typeof ESCALATION_CLASSES[number]

/** Where an escalation may go: a role's designated peers, or the operators' webhooks. */
export const ROUTE_TARGETS = ['junzi', 'archon', 'operators'] as const
export type RouteTarget = typeof ROUTE_TARGETS[number]

/** A route: up to three distinct targets, tried in order. */
export const routeChainSchema = z.array(z.enum(ROUTE_TARGETS)).min(1).max(3)
  .refine((a) => new Set(a).size === a.length, 'each target at most once')

/** The designated authorities: which peer ids are Junzi (ethics) and Archon (operations). */
export const authoritiesSchema = z.object({
  junzi: z.array(peerIdString).max(64),
  archon: z.array(peerIdString).max(64)
}).strict().refine((a) => !a.junzi.some((id) => a.archon.includes(id)), 'a peer cannot be both junzi and archon')
export type Authorities = z.infer<typeof authoritiesSchema>

/** Per escalation class, the targets tried in order (config key `escalationRouting`). */
export type EscalationRouting = Readonly<Record<EscalationClass, readonly RouteTarget[]>>

/** An operators' webhook (config key `operatorWebhooks`). */
export interface OperatorWebhook { url: string, secret: string }
