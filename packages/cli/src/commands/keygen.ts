/**
 * `kos keygen [--out file]`: a new random cluster key, the secret a node proves before any other
 * node admits it (`kos start --cluster-key-file`, docs/design/admission.md). With `--out` it is
 * written to a new file of mode 0600, never over an existing one: overwriting a node's key file
 * would shut it out of its cluster. Without, it is printed, so that `kos keygen >> cluster.key`
 * adds a key to a file, the first step of a rotation.
 *
 * Like the other client commands it loads no daemon code, so the key's format is written out
 * here; a test parses what it writes with the node's own parser, so the two cannot drift.
 */

import { randomBytes } from 'node:crypto'
import { chmod, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { ExitCode } from '../exit-codes.js'
import type { Io } from '../io.js'

/** @kos/node's net/cluster-key.ts: `kos-cluster-key-v1:` and 32 random bytes in base64. */
export const CLUSTER_KEY_PREFIX = 'kos-cluster-key-v1:'
const CLUSTER_KEY_BYTES = 32

export interface KeygenOptions {
  out?: string
}

/** One line of a key file, holding a fresh key from the operating system's CSPRNG. */
export function newClusterKeyLine (): string {
  return CLUSTER_KEY_PREFIX + randomBytes(CLUSTER_KEY_BYTES).toString('base64')
}

/** Resolves to the exit code; never rejects. */
export async function runKeygen (options: KeygenOptions, io: Io): Promise<number> {
  const line = newClusterKeyLine()
  if (options.out === undefined) {
    io.out(line)
    return ExitCode.ok
  }
  const file = options.out
  try {
    // 'wx': never over an existing file. The mode is set again after: a umask can only narrow it.
    await writeFile(file, line + '\n', { mode: 0o600, flag: 'wx' })
    await chmod(file, 0o600)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    if (e.code === 'EEXIST') {
      io.err(`error: --out: ${file} exists, and a key file is never overwritten (a node holding only its key would be shut out); ` +
        `choose another path, or add a key to it with \`kos keygen >> ${file}\``)
      return ExitCode.usage
    }
    io.err(`error: --out: cannot write ${file}: ${e.message}`)
    return ExitCode.failure
  }
  io.out(`wrote a new cluster key to ${file} (mode 600); start every node with --cluster-key-file and a copy of it`)
  return ExitCode.ok
}

export function registerKeygen (program: Command, io: Io, setExit: (code: number) => void): void {
  program.command('keygen')
    .description('make a new random cluster key (for kos start --cluster-key-file); printed, or written to a new 0600 file')
    .option('--out <file>', 'write the key to this new file, mode 0600 (an existing file is never overwritten)')
    .action(async (flags: KeygenOptions) => { setExit(await runKeygen(flags, io)) })
}
