/**
 * Counts the gossip messages gossipsub itself refuses before our topic validators run: those
 * without a valid StrictSign envelope (no or bad signature, sequence number or author).
 * Gossipsub reports them only through its metrics register; this register keeps the two
 * metrics that say why and on which topic, and makes every other one a no-op, so enabling it
 * costs a few empty calls per message.
 */
import type { MetricsRegister } from '@chainsafe/libp2p-gossipsub/metrics'

const INVALID = 'gossipsub_msg_received_invalid_total'
const INVALID_BY_TOPIC = 'gossipsub_msg_received_invalid_by_topic_total'

const noopGauge = { inc: () => {}, set: () => {}, addCollect: () => {} }
const noopHistogram = { startTimer: () => () => {}, observe: () => {}, reset: () => {} }
const noopAvgMinMax = { set: () => {} }

/**
 * `onInvalid(topicLabel, error)` gets gossipsub's topic label (from `topicLabels`, or the topic
 * itself) and its error: `invalid_signature`, `invalid_seqno`, `invalid_peerid`, … or `reject`
 * and `ignore` for our own validators' verdicts. Gossipsub reports the error, then the topic,
 * in one synchronous call, which is how the two are paired here.
 */
export function invalidMessageRegister (onInvalid: (topicLabel: string, error: string) => void): MetricsRegister {
  let error: string | undefined
  const gauge = (config: { name: string }): unknown => {
    if (config.name === INVALID) return { ...noopGauge, inc: (labels: { error?: unknown }) => { error = String(labels.error) } }
    if (config.name === INVALID_BY_TOPIC) {
      return {
        ...noopGauge,
        inc: (labels: { topic?: unknown }) => {
          if (error !== undefined) onInvalid(String(labels.topic), error)
          error = undefined
        }
      }
    }
    return noopGauge
  }
  return {
    gauge: gauge as MetricsRegister['gauge'],
    histogram: (() => noopHistogram) as MetricsRegister['histogram'],
    avgMinMax: (() => noopAvgMinMax) as MetricsRegister['avgMinMax']
  }
}
