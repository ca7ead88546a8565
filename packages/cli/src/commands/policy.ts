/**
 * `kos policy check <file>`: validates a healing policy file (issue 6) without a node, so that a
 * typo is caught before the node is restarted on it. Every problem is printed as `file:line:column:
 * key path: message`; a bad file is a usage error (exit 2) because the fix is to edit the file, not
 * to retry.
 */

import type { Command } from 'commander'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'
import { printJson } from './api-options.js'

export interface PolicyCheckOptions {
  json: boolean
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** Resolves to the exit code; never rejects (loadPolicyFile throws only PolicyError). */
export async function runPolicyCheck (file: string, options: PolicyCheckOptions, io: Io): Promise<number> {
  // Loaded here, not at the top: the file's parser (yaml) is only for this command. It is the
  // node's own loader, alone: no libp2p, LevelDB or fastify comes with it.
  const { loadPolicyFile, PolicyError } = await import('@kos/node/policy-file')
  const { BUILTIN_RULE_COUNT } = await import('@kos/core')
  try {
    const policy = await loadPolicyFile(file)
    if (options.json) printJson(io, { ok: true, file, rules: policy.rules.length, builtinRules: BUILTIN_RULE_COUNT, policy })
    else io.out(`ok: ${file}: ${plural(policy.rules.length, 'rule')} (+ ${BUILTIN_RULE_COUNT} built-in)`)
    return ExitCode.ok
  } catch (err) {
    if (!(err instanceof PolicyError)) {
      io.err(`error: ${err instanceof Error ? err.message : String(err)}`)
      return ExitCode.failure
    }
    if (options.json) printJson(io, { ok: false, file, problems: err.problems })
    for (const line of err.message.split('\n')) io.err(`error: ${line}`)
    return ExitCode.usage
  }
}

export function registerPolicy (program: Command, io: Io, setExit: (code: number) => void): void {
  const policy = program.command('policy').description('work with healing policy files')
  policy.command('check')
    .description('validate a healing policy file (YAML or JSON); exits 2 and names each problem\'s line if it is invalid')
    .argument('<file>', 'the policy file: .json is read as JSON, anything else as YAML')
    .option('--json', 'print the result (or the problems) as JSON', false)
    .action(async (file: string, flags: PolicyCheckOptions) => { setExit(await runPolicyCheck(file, flags, io)) })
}
