/** `kos start`: runs a node in the foreground. (Being written by the lead.) */
export function registerStart(program, io, setExit) {
    program.command('start').description('start a node in the foreground').action(() => { io.err('not yet'); setExit(1); });
}
//# sourceMappingURL=start.js.map