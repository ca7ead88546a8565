/** An Io that records lines, for asserting on what a command printed. */

import type { Io } from '../src/io.js'

export interface CapturedIo extends Io {
  stdout: string[]
  stderr: string[]
  /** Everything written to `out`, joined with newlines: what a pipe would receive. */
  outText: () => string
  errText: () => string
}

export function captureIo (): CapturedIo {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    stdout,
    stderr,
    out: (line) => { stdout.push(line) },
    err: (line) => { stderr.push(line) },
    outText: () => stdout.join('\n'),
    errText: () => stderr.join('\n')
  }
}
