/** `kos audit …`: the node's audit log (issue #4): tail, query, verify, append. */

import type { Command } from 'commander'
import type { Io } from '../../io.js'
import { registerAuditAppend } from './append.js'
import { registerAuditQuery } from './query.js'
import { registerAuditTail } from './tail.js'
import { registerAuditVerify } from './verify.js'

export function registerAudit (program: Command, io: Io, setExit: (code: number) => void, signal?: AbortSignal): void {
  const audit = program.command('audit').description('read, follow, verify and append to the audit log')
  registerAuditTail(audit, io, setExit, signal)
  registerAuditQuery(audit, io, setExit)
  registerAuditVerify(audit, io, setExit)
  registerAuditAppend(audit, io, setExit)
}
