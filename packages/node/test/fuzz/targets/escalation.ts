/**
 * The escalation protocol's JSON messages (escalation/wire.ts). Its decodeMessage refuses with
 * a plain Error saying why, which the handler turns into a refusal answer: the typed error
 * here is exactly `Error`, never a subclass such as TypeError or RangeError.
 */
import type { z } from 'zod'
import { answerSchema, decodeEscalationMessage, MAX_ESCALATION_MESSAGE_BYTES, requestSchema } from '@kos/core'
import type { WireFixtures } from '../fixtures.js'
import { jsonBytesInput } from '../inputs.js'
import { allOf, expectOutcome, revalidates, type Validity } from '../outcome.js'
import type { FuzzTarget } from '../target.js'
import { identifiersUsable } from '../usable.js'

const isPlainError = (err: unknown): boolean => err instanceof Error && Object.getPrototypeOf(err) === Error.prototype

function escalationTarget<T> (name: string, schema: z.ZodType<T>, fixtures: readonly object[], validity: Validity<unknown>): FuzzTarget<Uint8Array> {
  return {
    name,
    input: jsonBytesInput(fixtures, MAX_ESCALATION_MESSAGE_BYTES),
    check: (bytes) => expectOutcome(() => decodeEscalationMessage(bytes, schema), isPlainError, validity)
  }
}

export function escalationTargets (f: WireFixtures): Array<FuzzTarget<Uint8Array>> {
  return [
    // A record's origin only has to equal the sending peer, which the service checks.
    escalationTarget('escalation.request', requestSchema, f.escalationRequest, revalidates(requestSchema)),
    // An answer's authorities are pinned and later dialled: they must be usable peer ids.
    escalationTarget('escalation.answer', answerSchema, f.escalationAnswer, allOf(revalidates(answerSchema), identifiersUsable))
  ]
}
