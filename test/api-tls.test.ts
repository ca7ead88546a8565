/**
 * The local API over TLS (issue 16, "Local API"): a real node given --api-tls-cert and
 * --api-tls-key serves HTTPS, plain HTTP gets no answer from it, and `kos` talks to it through an
 * https:// address, trusting the certificate through NODE_EXTRA_CA_CERTS as any Node.js client
 * does. The certificate is made here with openssl; without it the test skips, saying why.
 */
import assert from 'node:assert/strict'
import { execFile, execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { get } from 'node:https'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { Cluster, KOS_BIN, type KosProcess } from '@kos/testkit'

function skipReason (): string | undefined {
  try { execFileSync('openssl', ['version']) } catch { return 'needs openssl to make a certificate' }
  return undefined
}

describe('the API over TLS', { skip: skipReason() }, () => {
  const cluster = new Cluster()
  let node: KosProcess
  let cert = ''

  before(async () => {
    await cluster.init()
    cert = join(cluster.tmp, 'api-cert.pem')
    const key = join(cluster.tmp, 'api-key.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    node = await cluster.startNode({ name: 'tls', extraArgs: ['--api-tls-cert', cert, '--api-tls-key', key] })
  })

  after(async () => { await cluster.cleanup() })

  it('serves HTTPS with the given certificate, and nothing over plain HTTP', async () => {
    assert.match(node.apiUrl, /^https:\/\/127\.0\.0\.1:\d+$/)
    const ca = await readFile(cert)
    const status = await new Promise<number>((resolve, reject) => {
      get(`${node.apiUrl}/v1/node`, { ca, timeout: 10_000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0) }).on('error', reject)
    })
    assert.equal(status, 200)
    const plain = await fetch(`http://${node.apiHostPort}/v1/node`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 'no answer')
    assert.notEqual(plain, 200)
  })

  it('answers `kos peers` at its https:// address', async () => {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, NODE_EXTRA_CA_CERTS: cert }
    const { stdout } = await promisify(execFile)(KOS_BIN, ['peers', '--json', '--api', node.apiUrl], { env, timeout: 20_000 })
    assert.equal((JSON.parse(stdout) as { self: string }).self, node.peerId)
  })
})
