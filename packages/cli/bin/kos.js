#!/usr/bin/env -S node --max-semi-space-size=8
// The `kos` executable: a plain-JavaScript launcher, committed so that npm can link it on the first
// `npm install`, before the TypeScript is built. Everything else is compiled into dist/.
//
// --max-semi-space-size=8: an 8 MiB young generation (instead of V8's default of up to 16-32 MiB)
// keeps each node's RSS well below the default's, and collects an idle node's short-lived
// garbage (messages, timers) an eighth as often as 1 MiB did, for about a tenth less CPU at
// ~10 MiB more RSS (docs/benchmarks.md). The flag only works at process start, hence here.
//
// Written with no static import, so that on an old Node it runs far enough to say what is wrong:
// libp2p 2.x needs Node.js >= 22 (Promise.withResolvers).
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(
    `kos needs Node.js >= 22, but this is Node.js ${process.versions.node} (${process.execPath}).\n` +
    'Run it through npm so that the repository\'s pinned Node 24 is used: `npx kos ...`, or an `npm run` ' +
    'script such as `npm start`.\n')
  process.exit(1)
}

try {
  await import('../dist/src/main.js')
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/src/main.js')) throw err
  process.stderr.write('kos: the CLI is not built yet; run `npm run build` (or `npm install`) in the repository first.\n')
  process.exit(1)
}
