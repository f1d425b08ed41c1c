/**
 * Attributions for the cascade's second stage, by occlusion: each candidate word (the
 * words stage 1 credits most) is deleted from the normalized text, replaced by a space
 * as a reader deleting it would leave it, and the second stage scores what is left with
 * the language held fixed. A word's weight is the fall of the deciding head's margin:
 * what the score really loses without it, at one feature pass per candidate. Words
 * stage 1 does not credit at all are not tried, so a word that only stage 2 weighs can
 * be missed; the candidates bound the cost under the deadline.
 */
import type { FeatureExtractor, SparseVector } from "../features/extract.js";
import type { LinearModel } from "../model/linear.js";
import { byDrop, MIN_DROP, type RankedWord } from "./explain.js";

/** How many of stage 1's words are tried. */
export const OCCLUSION_CANDIDATES = 8;

export class Occluder {
  private readonly margins: Float64Array;

  constructor(
    private readonly extractor: FeatureExtractor,
    private readonly model: LinearModel,
    private readonly scratch: SparseVector,
  ) {
    this.margins = new Float64Array(model.heads.length);
  }

  /** `head`'s margin on `text`. */
  private margin(text: string, head: number, namespace: number, evasion: number): number {
    this.extractor.extract(text, this.scratch, namespace, evasion);
    this.model.margins(this.scratch, this.margins);
    return this.margins[head]!;
  }

  /** The candidates re-weighed by the fall of `head`'s margin when each is deleted from `text`, most first. */
  rank(text: string, candidates: readonly RankedWord[], head: number, namespace: number, evasion: number): RankedWord[] {
    const full = this.margin(text, head, namespace, evasion);
    const ranked: RankedWord[] = [];
    for (const c of candidates.slice(0, OCCLUSION_CANDIDATES)) {
      const drop = full - this.margin(`${text.slice(0, c.start)} ${text.slice(c.end)}`, head, namespace, evasion);
      if (drop > MIN_DROP) ranked.push({ start: c.start, end: c.end, drop });
    }
    return ranked.sort(byDrop);
  }
}
