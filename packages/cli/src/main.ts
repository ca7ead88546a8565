// The `kos` process, started by bin/kos.js once it has checked the Node version: the only place
// that exits the process. Everything else is runCli(), which tests call as a function.
import { processIo } from './io.js'
import { runCli } from './program.js'

// `kos peers | head` closes the pipe early: that is the reader's choice, not a failure to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); else throw err })
}

const code = await runCli(process.argv.slice(2), processIo)

// process.exit does not wait for pending writes to a pipe; a write callback runs once the
// earlier writes are flushed, so `kos peers --json | jq` never sees truncated JSON.
await Promise.all([process.stdout, process.stderr].map(async (stream) => {
  await new Promise<void>((resolve) => { stream.write('', () => { resolve() }) })
}))
process.exit(code)
