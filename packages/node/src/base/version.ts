/** The kOS mesh version every node reports in its heartbeat and API. */
export const VERSION = '0.1.0'
