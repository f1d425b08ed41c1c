/**
 * Label-free performance estimates from calibrated scores (confidence-based
 * performance estimation, as NannyML's CBPE). If a score p is a calibrated probability,
 * a flagged message is a true positive with probability p and an allowed one a missed
 * positive with probability p, so over a window
 *
 *   expected precision = Σ_{flagged} p / #flagged
 *   expected recall    = Σ_{flagged} p / Σ_{all} p
 *
 * They track the real figures while calibration holds; a drop says the model is less
 * sure of what it flags, before any label arrives.
 */
import type { PolicyConfig } from "../config.js";
import { baseRateFor, needsProfile } from "../engine/base-rates.js";
import { countsFor, positiveShare, type ScoreProfile } from "../model/profile.js";
import { rebased } from "../stats/label-shift.js";
export class ExpectedPerformance {
  private flagged = 0;
  private flaggedP = 0;
  private allP = 0;

  add(p: number, flagged: boolean): void {
    this.allP += p;
    if (flagged) {
      this.flagged++;
      this.flaggedP += p;
    }
  }

  merge(o: ExpectedPerformance): void {
    this.flagged += o.flagged;
    this.flaggedP += o.flaggedP;
    this.allP += o.allP;
  }

  sums(): { flagged: number; flaggedP: number; allP: number } {
    return { flagged: this.flagged, flaggedP: this.flaggedP, allP: this.allP };
  }

  static fromSums(s: { flagged: number; flaggedP: number; allP: number }): ExpectedPerformance {
    const e = new ExpectedPerformance();
    e.flagged = s.flagged;
    e.flaggedP = s.flaggedP;
    e.allP = s.allP;
    return e;
  }

  precision(): number | null {
    return this.flagged > 0 ? this.flaggedP / this.flagged : null;
  }

  recall(): number | null {
    return this.allP > 0 ? this.flaggedP / this.allP : null;
  }
}

/**
 * Scores rebased to the deployment's base rates (`policy.thresholds.<category>.baseRate`,
 * or a language's), from each language's validation share in the served model's score
 * profile: counted instead of the scores themselves, they make the estimates above hold
 * on traffic with those rates rather than the validation data's. On mixes of the shared
 * test splits where 5% are positive, under a policy stating it, the expected precision of
 * the flags was 0.118 from the real one on average, against 0.417 from the scores as they
 * are (docs/monitoring.md).
 */
export class BaseRateRebaser {
  /** Per language, per category: [validation share, stated base rate], or null where no base rate applies. */
  private readonly shifts = new Map<string, Map<string, readonly [number, number] | null>>();

  private constructor(
    readonly profile: ScoreProfile,
    readonly policy: PolicyConfig,
  ) {}

  /** A rebaser for a model's profile under `policy`; null when the policy states no base rate or there is no profile. */
  static for(profile: ScoreProfile | null, policy: PolicyConfig | undefined): BaseRateRebaser | null {
    return profile && policy && needsProfile(policy) ? new BaseRateRebaser(profile, policy) : null;
  }

  /** Each category's score for a text in `lang`, rebased where a base rate applies; `score` the highest of them. */
  rebase(categories: Readonly<Record<string, number>>, lang: string): { score: number; categories: Record<string, number> } {
    const out: Record<string, number> = {};
    let score = 0;
    for (const [c, p] of Object.entries(categories)) {
      const shift = this.shiftFor(c, lang);
      out[c] = shift ? rebased(p, shift[0], shift[1]) : p;
      score = Math.max(score, out[c]!);
    }
    return { score, categories: out };
  }

  private shiftFor(category: string, lang: string): readonly [number, number] | null {
    let byCategory = this.shifts.get(lang);
    if (!byCategory) this.shifts.set(lang, (byCategory = new Map()));
    let shift = byCategory.get(category);
    if (shift === undefined) {
      const to = baseRateFor(this.policy, category, lang);
      const counts = to === undefined ? null : countsFor(this.profile, category, lang);
      shift = to !== undefined && counts ? ([positiveShare(counts), to] as const) : null;
      byCategory.set(category, shift);
    }
    return shift;
  }
}
