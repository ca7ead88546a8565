/**
 * How a command that follows a stream (`kos audit tail -f`, `kos monitor`) learns to stop: the
 * signal it was given (tests, embedding), or one that the first SIGINT or SIGTERM aborts.
 */
export function stopSignal (given: AbortSignal | undefined): { signal: AbortSignal, dispose: () => void } {
  if (given !== undefined) return { signal: given, dispose: () => {} }
  const controller = new AbortController()
  const stop = (): void => { controller.abort() }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return {
    signal: controller.signal,
    dispose: () => { process.off('SIGINT', stop); process.off('SIGTERM', stop) }
  }
}
