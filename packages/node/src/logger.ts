/**
 * The node's logger: pino, written synchronously to stderr so that the last lines before a crash
 * are never lost in a buffer. `logFormat` picks JSON lines (for files and log shippers) or human
 * lines (for a person at a terminal); `auto` decides by whether stderr is a terminal.
 */
import { destination, pino, type Logger } from 'pino'
import PinoPretty from 'pino-pretty'
import type { KosConfig } from './config/schema.js'

/** Whether `format` means human lines here; `auto` asks whether stderr is a terminal. */
export function prettyLogs (format: KosConfig['logFormat'], stderrIsTty: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && stderrIsTty)
}

export function createLogger (config: Pick<KosConfig, 'logLevel' | 'logFormat' | 'name'>): Logger {
  const options = { level: config.logLevel, base: { node: config.name } }
  if (!prettyLogs(config.logFormat, process.stderr.isTTY === true)) return pino(options, destination({ fd: 2, sync: true }))
  return pino(options, PinoPretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    // Every line of one process names the same node; it is in the banner already.
    ignore: 'pid,hostname,node'
  }))
}
