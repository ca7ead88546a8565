/** The tests' seeded PRNG (the simulator's too): see @kos/detect's seeded-random.ts. */
export { seededRandom } from '@kos/detect'
