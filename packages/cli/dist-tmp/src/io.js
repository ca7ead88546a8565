/**
 * Where the CLI writes. Commands never touch process.stdout or process.stderr directly, so tests
 * capture output with a two-method object instead of spawning a process.
 */
/** The real terminal. */
export const processIo = {
    out: (line) => { process.stdout.write(line + '\n'); },
    err: (line) => { process.stderr.write(line + '\n'); }
};
//# sourceMappingURL=io.js.map