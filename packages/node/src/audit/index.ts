/**
 * The replicated audit log's core (docs/design/audit.md, issue #4), as the node's shell uses it:
 * - entries: schema, canonical encoding, hash chain, one Ed25519 signature per written batch
 *   (its seal), verification (entry.ts, schema.ts, seal.ts);
 * - `LamportClock` for causal order across origins (lamport.ts);
 * - per-origin heads and the anti-entropy pull plan, fork detection (heads.ts);
 * - `AuditStore`: LevelDB storage, verify-before-store, queries, whole-log verification
 *   (store.ts, received.ts, query.ts, verify-all.ts, keys.ts);
 * - `AuditAppender`: the local writer with group commit (appender.ts, group-commit.ts);
 * - retention: signed checkpoints of compacted prefixes (checkpoint.ts, compaction.ts), the pure
 *   policy (retention.ts) and `AuditRetention`, the pass the node runs on a timer
 *   (retention-runner.ts).
 * The network shell (gossip push, `/kos/audit-sync/2.0.0` anti-entropy, ack=quorum), the API
 * and the CLI are built on these and live elsewhere.
 */
export {
  AUDIT_CLASSES, AUDIT_SEVERITIES, MAX_DETAILS_BYTES, MAX_ENTRY_BYTES, ZERO_HASH,
  auditEntrySchema, auditFieldsSchema,
  type AuditClass, type AuditEntry, type AuditFields, type AuditSeverity, type JsonObject, type JsonValue, type UnsignedEntry
} from './schema.js'
export {
  canonicalBytes, createBatch, createEntry, decodeEntry, encodeEntry, entryHash, linkFailure, originPublicKey, signerFromPrivateKey, verifyEntry,
  verifyEntryContent, verifyRun, verifySignature,
  type AuditSigner, type BatchItem, type ChainLink, type VerifyFailure, type VerifyResult
} from './entry.js'
export { halveAtSeal, isSeal, packGroups, SEAL_MAX_BYTES, SEAL_MAX_ENTRIES, sealedPrefix, sealGroups } from './seal.js'
export { LamportClock } from './lamport.js'
export { diffHeads, forkAt, headsSchema, splitRange, type DiffOptions, type ForkReport, type Head, type Heads, type HeadsDiff, type PullRange, type StoredHead } from './heads.js'
export { AuditStore, AUDIT_STORE_DEFAULTS, type AuditStoreInit } from './store.js'
export type { StoreResult } from './received.js'
export {
  checkpointSchema, createCheckpoint, decodeCheckpoint, encodeCheckpoint, verifyCheckpoint, type AuditCheckpoint
} from './checkpoint.js'
export type { ChainBounds, CheckpointResult, CompactResult } from './compaction.js'
export { planRetention, type ChainWindow, type EntryAge, type RetentionDrop, type RetentionPlan, type RetentionPolicy } from './retention.js'
export { AuditRetention, RETENTION_DEFAULTS, type RetentionComponents, type RetentionInit, type RetentionReport } from './retention-runner.js'
export { auditQuerySchema, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type AuditPage, type AuditQuery } from './query.js'
export type { BreakReason, ChainBreak, VerifyReport } from './verify-all.js'
export type { AuditDb } from './keys.js'
export { AuditAppender, APPENDER_DEFAULTS, type AppenderComponents, type AppenderInit, type AppendResult } from './appender.js'
export {
  AuditChainError, AuditClosedError, AuditFieldsError, AuditQueryError, AuditQueueFullError, AuditStoreError
} from './errors.js'
