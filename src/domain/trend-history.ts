/**
 * A trend needs two weeks with exceptions in them: a first exception on a first day is a start, not an
 * increase. Apart from the metrics so that the web dashboard says the rule without loading them.
 */
export const hasTrendHistory = (weekly: readonly number[]): boolean =>
  weekly.filter((v) => v > 0).length >= 2;

/** The rule in words, for "not judged until …" and "judged once …". */
export const TREND_HISTORY_RULE = 'two weeks have ended with active exceptions';
