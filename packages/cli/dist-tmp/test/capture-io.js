/** An Io that records lines, for asserting on what a command printed. */
export function captureIo() {
    const stdout = [];
    const stderr = [];
    return {
        stdout,
        stderr,
        out: (line) => { stdout.push(line); },
        err: (line) => { stderr.push(line); },
        outText: () => stdout.join('\n'),
        errText: () => stderr.join('\n')
    };
}
//# sourceMappingURL=capture-io.js.map