// Every benchmark takes its size as its first argument (`node bench/api.mjs 2000`), or `--tiny`: a size
// that runs in seconds, which CI uses so that a benchmark that no longer runs fails CI. Figures are printed,
// never asserted.
const args = process.argv.slice(2);
const given = args.find((a) => /^\d+$/.test(a));

/** True when the benchmark runs at its tiny size (CI): rounds and durations shrink too. */
export const tiny = args.includes('--tiny');

/** The benchmark's size: the first numeric argument, else its tiny size under --tiny, else its full size. */
export function benchSize(full, tinySize) {
  if (given !== undefined) return Number(given);
  return tiny ? tinySize : full;
}

/** A count of rounds, runs or seconds: the full figure, or the tiny one under --tiny. */
export const scaled = (full, tinyValue) => (tiny ? tinyValue : full);
