/** Escalation to designated Junzi/Archon authorities and operator webhooks (issue #5). */
export { EscalationService, EscalationUnavailableError, type Box } from './service.js'
export { escalationInputSchema, incidentId, ESCALATION_CLASSES, ESCALATION_SEVERITIES, ESCALATION_STATUSES, type Escalation, type EscalationInput, type EscalationStatus } from './record.js'
export { authorityOf, designatedRole, type AuthorityRole } from './routing.js'
export { signBody, verifySignature, SIGNATURE_HEADER, ID_HEADER } from './webhook.js'
export type { OutboxItem } from './outbox.js'
export type { InboxItem } from './inbox.js'
