#!/usr/bin/env node
// The `kos` executable: the only place that exits the process. Everything else is runCli().
//
// The CLI and the node need Node.js >= 22 (libp2p 2.x uses Promise.withResolvers), so the version
// is checked before anything else is loaded: static imports would be evaluated first and could
// fail on an old Node with an error that does not say why. Hence the dynamic imports below.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
    process.stderr.write(`kos needs Node.js >= 22, but this is Node.js ${process.versions.node} (${process.execPath}).\n` +
        'Run it through npm so that the repository\'s pinned Node 24 is used: `npx kos ...`, or an `npm run` ' +
        'script such as `npm start`.\n');
    process.exit(1);
}
const { runCli } = await import('../src/program.js');
const { processIo } = await import('../src/io.js');
const code = await runCli(process.argv.slice(2), processIo);
// process.exit does not wait for pending writes to a pipe; a write callback runs once the
// earlier writes are flushed, so `kos peers --json | jq` never sees truncated JSON.
await Promise.all([process.stdout, process.stderr].map(async (stream) => {
    await new Promise((resolve) => { stream.write('', () => { resolve(); }); });
}));
process.exit(code);
export {};
//# sourceMappingURL=kos.js.map