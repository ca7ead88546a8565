import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  formatAddr, formatBytes, formatDuration, formatPercent, formatPhi, listRows, renderColumns, renderTable, shortPeerId
} from '../src/table.js'

describe('renderTable', () => {
  it('pads every column to its widest cell, two spaces apart', () => {
    const lines = renderTable(['NAME', 'STATE', 'PHI'], [['alpha', 'alive', '0.4'], ['bravo-long', 'suspect', '12.3']])
    assert.deepEqual(lines, [
      'NAME        STATE    PHI',
      'alpha       alive    0.4',
      'bravo-long  suspect  12.3'
    ])
  })

  it('never leaves trailing spaces, even when the last cell is empty', () => {
    const lines = renderColumns([['a', 'bbbb'], ['cccc', ''], ['d']])
    assert.deepEqual(lines, ['a     bbbb', 'cccc', 'd'])
  })

  it('counts … as one column', () => {
    const lines = renderColumns([['12D3Ko…ALPHA1', 'x'], ['abcdefghijklm', 'y']])
    assert.deepEqual(lines, ['12D3Ko…ALPHA1  x', 'abcdefghijklm  y'])
  })

  it('renders just the header for no rows', () => {
    assert.deepEqual(renderTable(['A', 'B'], []), ['A  B'])
  })

  it('lists values under one label', () => {
    assert.deepEqual(listRows('Addrs:', ['x', 'y']), [['Addrs:', 'x'], ['', 'y']])
    assert.deepEqual(listRows('Addrs:', []), [['Addrs:', '-']])
  })
})

describe('formatDuration', () => {
  const cases: Array<[number | null, string]> = [
    [null, '-'],
    [-5, '0ms'],
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [1000, '1.0s'],
    [3200, '3.2s'],
    [59_940, '59.9s'],
    [59_990, '1m'],
    [5 * 60_000, '5m'],
    [5 * 60_000 + 59_000, '5m'],
    [3_600_000, '1h'],
    [2 * 3_600_000 + 5 * 60_000, '2h5m'],
    [24 * 3_600_000, '1d'],
    [3 * 86_400_000 + 4 * 3_600_000 + 59 * 60_000, '3d4h']
  ]
  for (const [ms, expected] of cases) {
    it(`${String(ms)} ms → ${expected}`, () => { assert.equal(formatDuration(ms), expected) })
  }
})

describe('formatBytes', () => {
  const cases: Array<[number | null, string]> = [
    [null, '-'],
    [0, '0B'],
    [512, '512B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [1536, '1.5KiB'],
    [10 * 1024, '10KiB'],
    [112 * 1024 * 1024, '112MiB'],
    [1024 * 1024 - 1, '1MiB'],
    [3.25 * 1024 ** 3, '3.3GiB']
  ]
  for (const [bytes, expected] of cases) {
    it(`${String(bytes)} → ${expected}`, () => { assert.equal(formatBytes(bytes), expected) })
  }
})

describe('shortPeerId', () => {
  it('keeps the first and last six characters around …', () => {
    assert.equal(shortPeerId('12D3KooWAlphaBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbALPHA1'), '12D3Ko…ALPHA1')
  })
  it('shows short ids whole', () => {
    assert.equal(shortPeerId('abcdefghijklm'), 'abcdefghijklm')
    assert.equal(shortPeerId(''), '')
  })
})

describe('formatPhi, formatPercent, formatAddr', () => {
  it('shows phi with one decimal and - for null', () => {
    assert.equal(formatPhi(0), '0.0')
    assert.equal(formatPhi(0.42), '0.4')
    assert.equal(formatPhi(12.345), '12.3')
    assert.equal(formatPhi(null), '-')
  })
  it('shows CPU with one decimal', () => {
    assert.equal(formatPercent(3.25), '3.3%')
    assert.equal(formatPercent(null), '-')
  })
  it('drops the /p2p/ suffix of a multiaddr', () => {
    assert.equal(formatAddr('/ip4/10.0.0.2/tcp/4001/p2p/12D3KooWx'), '/ip4/10.0.0.2/tcp/4001')
    assert.equal(formatAddr('/ip4/10.0.0.2/tcp/4001'), '/ip4/10.0.0.2/tcp/4001')
    assert.equal(formatAddr(undefined), '-')
  })
})
