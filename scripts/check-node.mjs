// Guard: libp2p 2.x needs Promise.withResolvers (Node.js >= 22). The repo pins Node 24 as the
// devDependency `node`, which npm puts first on PATH for `npm run`, `npm test` and `npx`.
// Written in plain JS with no imports so that it runs, and explains itself, on an old Node too.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(`kOS mesh needs Node.js >= 22, but this is ${process.version} (${process.execPath}).\n` +
    'Run it through npm (npm start, npm test, npx kos), which uses the pinned Node 24 from node_modules/.bin.')
  process.exit(1)
}
