// Build step of the dashboard (issue 19): copies its sources, packages/node/ui, to
// packages/node/dist/ui, where the node serves them from (GET /ui), together with the one
// library the page uses, preact + htm in htm's single-file ES module build, and its licences.
// Plain files, no bundler: the page is a few ES modules that the browser loads as they are.
// Written in plain JS with no dependencies, so that `npm run build` (and `npm install`'s
// prepare) needs nothing that is not yet built.
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const node = join(root, 'packages', 'node')
const out = join(node, 'dist', 'ui')

// htm's package root, found from @kos/node, whose dependency it is (its `exports` hide package.json).
const require = createRequire(join(node, 'package.json'))
const htm = join(dirname(require.resolve('htm')), '..')
const preact = dirname(require.resolve('preact/package.json'))

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'vendor'), { recursive: true })
cpSync(join(node, 'ui'), out, { recursive: true })
cpSync(join(htm, 'preact', 'standalone.module.js'), join(out, 'vendor', 'htm-preact.js'))
cpSync(join(htm, 'LICENSE'), join(out, 'vendor', 'htm-LICENSE.txt'))
cpSync(join(preact, 'LICENSE'), join(out, 'vendor', 'preact-LICENSE.txt'))
