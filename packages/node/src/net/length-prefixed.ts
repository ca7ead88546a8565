/**
 * Length-prefixed framing in one buffer per message. `it-length-prefixed`'s encoder yields the
 * varint and the body as two chunks, and yamux turns every chunk into its own data frame (and the
 * receiver answers every frame with a window update), each a Noise message and a socket write:
 * joined, a message costs one frame and one update instead of two of each.
 */
import * as lp from 'it-length-prefixed'

export async function * lengthPrefixed (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const message of source) yield lp.encode.single(message).subarray()
}
