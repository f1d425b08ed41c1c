/** The data report (contract.ts) as Markdown a person reads before trusting a model. */
import type { DataReport } from "./contract.js";

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function dataReportMarkdown(report: DataReport): string {
  const errors = report.findings.filter((f) => f.severity === "error");
  const warnings = report.findings.filter((f) => f.severity === "warning");
  const o = report.options;
  const lines = [
    "# Data report",
    "",
    `**${report.passed ? "Passed" : "Failed"}**: ${errors.length} hard violations, ${warnings.length} warnings. ` +
      `Limits: exact duplicates ≤ ${pct(o.maxDuplicateRate)}, near-duplicates ≤ ${pct(o.maxNearDuplicateRate)}, rarer class ≥ ${pct(o.minClassShare)}, ` +
      `texts ≤ ${o.maxTextLength} characters, leakage ${o.leakage === "fail" ? "fails the run" : "warns"}.`,
    "",
  ];
  if (errors.length > 0) lines.push("## Hard violations", "", ...errors.map((f) => `- ${f.message}`), "");
  if (report.violations.length > 0) {
    lines.push(`### Bad lines (${report.violations.length} of ${report.violationCount} listed)`, "", ...report.violations.map((v) => `- \`${v.message}\``), "");
  }
  if (warnings.length > 0) lines.push("## Warnings", "", ...warnings.map((f) => `- **${f.rule}**: ${f.message}`), "");
  lines.push(
    "## Training datasets",
    "",
    "Near-duplicates repeat an earlier row's normalized text (punctuation and spacing aside); lengths in characters.",
    "",
    "| dataset | rows | positives | duplicates | near-dup. | conflicting labels | U+FFFD | length min / median / p95 / max |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...report.datasets.map(
      (d) =>
        `| ${d.name} | ${d.rows} | ${pct(d.positiveShare)} | ${pct(d.rows ? d.duplicates / d.rows : 0)} | ${pct(d.rows ? d.nearDuplicates / d.rows : 0)} | ${d.conflictingLabels} | ${d.replacementChars} | ${d.length.min} / ${d.length.p50} / ${d.length.p95} / ${d.length.max} |`,
    ),
    "",
    "## Leakage into test splits",
    "",
  );
  if (report.leakage.length === 0) lines.push("No test split was found beside the training data.", "");
  else {
    lines.push(
      "Test rows whose normalized text also occurs in any training dataset.",
      "",
      "| test split | rows | in training data | first at |",
      "|---|---:|---:|---|",
      ...report.leakage.map((l) => `| ${l.test} | ${l.rows} | ${l.overlapping} (${pct(l.rate)}) | ${l.examples[0] ?? "–"} |`),
      "",
    );
  }
  lines.push("Files and their sha256:", "", ...report.datasets.map((d) => `- \`${d.file}\` ${d.sha256 ?? ""}`), "");
  return lines.join("\n");
}
