/** Labels against predictions, counted the one way monitoring, experiments and the loop's estimates share. */

/** True/false positives and negatives. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Count `n` labelled predictions into `c` (`n` -1 takes one back: the label was corrected). */
export function tally(c: Confusion, flagged: boolean, label: 0 | 1, n = 1): void {
  if (flagged) label === 1 ? (c.tp += n) : (c.fp += n);
  else label === 1 ? (c.fn += n) : (c.tn += n);
}
