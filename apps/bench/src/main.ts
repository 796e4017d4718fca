/**
 * `pnpm bench [--quick] [--only <pattern>] [--peers a,b] [--backends cpu,webgpu]`: Stride against
 * its peers, same run, same machine. `--help` lists every option.
 */
import { runBench } from './bench.js';
import { parseOptions, USAGE } from './options.js';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const { table, dir, results } = await runBench(options);
  console.log(`\n${table}\n`);
  console.log(`Results: ${dir}/${results.mode}.{json,svg,txt} (${results.seconds} s)`);
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
