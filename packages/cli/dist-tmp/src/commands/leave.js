/**
 * `kos leave`: asks the running node to leave the cluster gracefully (POST /v1/leave), so that
 * peers mark it `left` at once instead of suspecting it and declaring it dead.
 */
import { ExitCode } from '../exit-codes.js';
import { addApiOptions, printJson, withClient } from './shared.js';
/** Resolves to the exit code once the node has begun its leave; never rejects. */
export async function runLeave(options, io) {
    return await withClient(options, io, async (client) => {
        const result = await client.leave();
        if (options.json)
            printJson(io, result);
        // The node answers as soon as the leave has begun, then tells its peers and stops.
        else
            io.out('the node is leaving the cluster; it stops once its peers know');
        return ExitCode.ok;
    });
}
export function registerLeave(program, io, setExit) {
    const command = program
        .command('leave')
        .description('ask the running node to leave the cluster gracefully');
    addApiOptions(command).action(async (flags) => {
        setExit(await runLeave(flags, io));
    });
}
//# sourceMappingURL=leave.js.map