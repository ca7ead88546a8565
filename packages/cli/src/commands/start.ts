import type { Command } from 'commander'
import type { Io } from '../io.js'

/** `kos start`: runs a node in the foreground. (Being written by the lead.) */
export function registerStart (program: Command, io: Io, setExit: (code: number) => void): void {
  program.command('start').description('start a node in the foreground').action(() => { io.err('not yet'); setExit(1) })
}
