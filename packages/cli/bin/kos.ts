#!/usr/bin/env -S node --max-semi-space-size=1
// --max-semi-space-size=1: a membership daemon allocates little; a 1 MiB young generation
// (instead of V8's default of up to 16-32 MiB) saves about 45 MiB of RSS per node for no
// measurable CPU (docs/benchmarks.md). The flag only works at process start, hence here.
// The `kos` executable: the only place that exits the process. Everything else is runCli().
//
// The CLI and the node need Node.js >= 22 (libp2p 2.x uses Promise.withResolvers), so the version
// is checked before anything else is loaded: static imports would be evaluated first and could
// fail on an old Node with an error that does not say why. Hence the dynamic imports below.

const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `kos needs Node.js >= 22, but this is Node.js ${process.versions.node} (${process.execPath}).\n` +
    'Run it through npm so that the repository\'s pinned Node 24 is used: `npx kos ...`, or an `npm run` ' +
    'script such as `npm start`.\n')
  process.exit(1)
}

// `kos peers | head` closes the pipe early: that is the reader's choice, not a failure to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); else throw err })
}

const { runCli } = await import('../src/program.js')
const { processIo } = await import('../src/io.js')
const code = await runCli(process.argv.slice(2), processIo)

// process.exit does not wait for pending writes to a pipe; a write callback runs once the
// earlier writes are flushed, so `kos peers --json | jq` never sees truncated JSON.
await Promise.all([process.stdout, process.stderr].map(async (stream) => {
  await new Promise<void>((resolve) => { stream.write('', () => { resolve() }) })
}))
process.exit(code)
