/** `kos audit verify`: checks every chain the node holds (GET /v1/audit/verify); exit 1 if any broke. */

import type { Command } from 'commander'
import { ExitCode } from '../../exit-codes.js'
import type { Io } from '../../io.js'
import { renderTable, shortPeerId } from '../../table.js'
import { addApiOptions, printJson, withClient } from '../api-options.js'
import type { ApiOptions } from '../api-options.js'

export async function runAuditVerify (options: ApiOptions, io: Io): Promise<number> {
  return await withClient(options, io, async (client) => {
    const result = await client.verifyAudit()
    if (options.json) {
      printJson(io, result)
    } else {
      io.out(`${result.ok ? 'ok' : 'FAILED'}: checked ${result.checked} entr${result.checked === 1 ? 'y' : 'ies'}, ` +
        `${result.breaks.length} break${result.breaks.length === 1 ? '' : 's'}`)
      if (result.breaks.length > 0) {
        for (const line of renderTable(['ORIGIN', 'SEQ', 'REASON'],
          result.breaks.map(b => [shortPeerId(b.origin), String(b.seq), b.reason]))) io.out(line)
      }
    }
    return result.ok ? ExitCode.ok : ExitCode.failure
  })
}

export function registerAuditVerify (audit: Command, io: Io, setExit: (code: number) => void): void {
  const command = audit.command('verify')
    .description('check every audit chain the node holds; exits 1 if any is broken')
  addApiOptions(command).action(async (flags: ApiOptions) => { setExit(await runAuditVerify(flags, io)) })
}
