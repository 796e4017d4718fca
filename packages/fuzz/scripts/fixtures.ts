/**
 * Regenerates the committed fixture (fixtures/cases.json): `pnpm --filter @stride/fuzz fixtures`,
 * with FUZZ_SEED and FUZZ_RUNS (cases per function) to change the defaults.
 */
import { writeFileSync } from 'node:fs';
import { FIXTURE_PATH, makeFixture } from '../src/fixture.js';

const seed = Number(process.env.FUZZ_SEED ?? 1);
const runs = Number(process.env.FUZZ_RUNS ?? 40);
const fixture = makeFixture(seed, runs);
if (fixture.torch === 'none') throw new Error('fixtures need /usr/bin/python3 with torch');
writeFileSync(FIXTURE_PATH, `${JSON.stringify(fixture)}\n`);
console.log(`${fixture.cases.length} cases (seed ${seed}, ${runs} per function) → ${FIXTURE_PATH}`);
