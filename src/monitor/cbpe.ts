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
