/**
 * Robustness: F1 per dataset under every attack family, beside clean F1, plus the
 * language identifier's accuracy per language and the word-list filters' F1 on the
 * same messages. Every message of a test split is attacked (both classes: noise hits
 * benign text too), deterministically.
 */
import { readExamples, type DatasetFile, type Example } from "../data/datasets.js";
import { udhrWindows } from "../data/udhr.js";
import type { Engine } from "../engine/engine.js";
import { ATTACK_FAMILIES, attack, type AttackFamily } from "./attacks.js";
import { binaryMetrics } from "./metrics.js";
import type { WordListFilter } from "./wordlists.js";

const DEFAULT_FILTER_LIMIT = 300;
const WARDEN = "warden";

export interface RobustnessRow {
  readonly dataset: string;
  readonly lang: string;
  readonly n: number;
  readonly clean: number;
  /** F1 under each family, by family name. */
  readonly attacked: Record<string, number>;
  /** Mean over families of (clean − attacked), in F1 points (×100). */
  readonly meanDrop: number;
  /** Word-list filters: clean F1 and mean F1 under attack, by filter name. */
  readonly filters: Record<string, { clean: number; attacked: number }>;
}

export interface RobustnessReport {
  readonly model: string;
  readonly limit: number | null;
  readonly families: readonly AttackFamily[];
  readonly rows: RobustnessRow[];
  /** Per family: mean drop over datasets, in F1 points. */
  readonly familyDrop: Record<string, number>;
  /** Language identification on clean test messages: accuracy per labelled language. */
  readonly langid: Array<{ lang: string; n: number; accuracy: number; short: { n: number; accuracy: number | null }; confusedWith: string; source: "test split" | "UDHR held out" }>;
  readonly filterNames: string[];
  /** Rows per dataset the word-list comparison used. */
  readonly filterLimit: number;
}

function f1Of(engine: Engine, examples: readonly Example[], texts: readonly string[]): { f1: number; langs: string[] } {
  const scores: number[] = [];
  const thresholds: number[] = [];
  const langs: string[] = [];
  engine.classifyMany(texts).forEach((r, i) => {
    scores.push(r.categories[examples[i]!.task] ?? 0);
    thresholds.push(engine.flagThreshold(examples[i]!.task, r.lang, r.stage));
    langs.push(r.lang);
  });
  return { f1: binaryMetrics(scores, examples.map((e) => e.label), thresholds).f1, langs };
}

function filterF1(filter: WordListFilter, examples: readonly Example[], texts: readonly string[]): number {
  return binaryMetrics(texts.map((t) => (filter.flag(t) ? 1 : 0)), examples.map((e) => e.label)).f1;
}

/** Language id on messages this short is reported on its own (why: the table's text in robustnessMarkdown). */
const SHORT_MESSAGE_CODE_POINTS = 20;

function isShortMessage(text: string): boolean {
  return Array.from(text.trim()).length <= SHORT_MESSAGE_CODE_POINTS;
}

type LanguageStats = Map<string, { n: number; ok: number; shortN: number; shortOk: number; confused: Map<string, number> }>;

function countLanguage(stats: LanguageStats, want: string, got: string, text: string): void {
  const s = stats.get(want) ?? { n: 0, ok: 0, shortN: 0, shortOk: 0, confused: new Map<string, number>() };
  const short = isShortMessage(text);
  s.n++;
  if (short) s.shortN++;
  if (got === want) {
    s.ok++;
    if (short) s.shortOk++;
  } else s.confused.set(got, (s.confused.get(got) ?? 0) + 1);
  stats.set(want, s);
}

export function evaluateRobustness(
  engine: Engine,
  files: readonly DatasetFile[],
  options: { limit?: number; filters?: readonly WordListFilter[]; filterLimit?: number; families?: readonly AttackFamily[] } = {},
): RobustnessReport {
  const families = options.families ?? ATTACK_FAMILIES;
  const filters = options.filters ?? [];
  const rows: RobustnessRow[] = [];
  const langStats: LanguageStats = new Map();
  for (const file of files) {
    let examples = readExamples(file);
    if (options.limit !== undefined) examples = examples.slice(0, options.limit);
    const texts = examples.map((e) => e.text);
    const clean = f1Of(engine, examples, texts);
    clean.langs.forEach((l, i) => countLanguage(langStats, examples[i]!.lang, l, texts[i]!));
    const attacked: Record<string, number> = {};
    const attackedTexts = new Map<string, string[]>();
    for (const family of families) {
      const at = texts.map((t) => attack(t, family));
      attackedTexts.set(family.name, at);
      attacked[family.name] = f1Of(engine, examples, at).f1;
    }
    const drops = families.map((f) => clean.f1 - attacked[f.name]!);
    const filterFigures: Record<string, { clean: number; attacked: number }> = {};
    // Some filters are slow (glin-profanity: ~1 ms a call with all its languages): they
    // see the first `filterLimit` rows, and so does Warden in their columns.
    const k = Math.min(examples.length, options.filterLimit ?? DEFAULT_FILTER_LIMIT);
    const few = examples.slice(0, k);
    const wardenAttacked = families.map((f) => f1Of(engine, few, attackedTexts.get(f.name)!.slice(0, k)).f1);
    const wardenFigures = { clean: f1Of(engine, few, texts.slice(0, k)).f1, attacked: wardenAttacked.reduce((a, b) => a + b, 0) / wardenAttacked.length };
    for (const filter of filters) {
      const perFamily = families.map((f) => filterF1(filter, few, attackedTexts.get(f.name)!.slice(0, k)));
      filterFigures[filter.name] = { clean: filterF1(filter, few, texts.slice(0, k)), attacked: perFamily.reduce((a, b) => a + b, 0) / perFamily.length };
    }
    if (filters.length > 0) filterFigures[WARDEN] = wardenFigures;
    rows.push({
      dataset: file.name,
      lang: file.lang ?? examples[0]?.lang ?? "unknown",
      n: examples.length,
      clean: clean.f1,
      attacked,
      meanDrop: (100 * drops.reduce((a, b) => a + b, 0)) / drops.length,
      filters: filterFigures,
    });
  }
  const familyDrop: Record<string, number> = {};
  for (const f of families) familyDrop[f.name] = (100 * rows.reduce((a, r) => a + (r.clean - r.attacked[f.name]!), 0)) / Math.max(1, rows.length);
  const heldOut = new Set<string>();
  // Languages the identifier knows that no test split has: measured on the paragraphs of
  // the Universal Declaration of Human Rights it never trained on (Japanese: all of it).
  for (const lang of [...engine.model.language.labels, "ja"]) {
    if (langStats.has(lang)) continue;
    heldOut.add(lang);
    for (const text of udhrWindows(lang, lang === "ja" ? "all" : "heldout")) countLanguage(langStats, lang, engine.classify(text).lang, text);
  }
  const langid = [...langStats.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([lang, s]) => {
      const top = [...s.confused.entries()].sort((a, b) => b[1] - a[1])[0];
      return { lang, n: s.n, accuracy: s.ok / s.n, short: { n: s.shortN, accuracy: s.shortN > 0 ? s.shortOk / s.shortN : null }, confusedWith: top ? `${top[0]} (${top[1]})` : "–", source: heldOut.has(lang) ? ("UDHR held out" as const) : ("test split" as const) };
    });
  return {
    model: engine.version,
    limit: options.limit ?? null,
    families,
    rows,
    familyDrop,
    langid,
    filterNames: filters.map((f) => f.name),
    filterLimit: options.filterLimit ?? DEFAULT_FILTER_LIMIT,
  };
}

function mean(rows: readonly RobustnessRow[], name: string, k: "clean" | "attacked"): string {
  return (rows.reduce((a, r) => a + r.filters[name]![k], 0) / Math.max(1, rows.length)).toFixed(3);
}

const pts = (x: number): string => (x >= 0 ? "−" : "+") + Math.abs(x).toFixed(1);

export function robustnessMarkdown(report: RobustnessReport, command: string, filterVersions: Record<string, string> = {}): string {
  const fams = report.families;
  const lines = [
    "# Robustness",
    "",
    `How much F1 the model \`${report.model}\` loses when messages are disguised the way people dodge moderation, per dataset and per attack family${report.limit ? ` (first ${report.limit} rows of each test split)` : ""}. Figures in the family columns are the F1 drop in points (clean F1 − attacked F1, ×100; "+" means F1 rose).`,
    "",
    `Produced by: \`${command}\``,
    "",
    "## Attack families",
    "",
    "| family | what it does | undone by normalization | mean drop over datasets (points) |",
    "|---|---|---|---:|",
    ...fams.map((f) => `| ${f.name} | ${f.description} | ${f.normalizable ? "yes" : "no (robust features)"} | ${pts(report.familyDrop[f.name]!)} |`),
    "",
    "## Per dataset",
    "",
    `| dataset | lang | n | clean F1 | mean drop | ${fams.map((f) => f.name).join(" | ")} |`,
    `|---|---|---:|---:|---:|${fams.map(() => "---:").join("|")}|`,
    ...report.rows.map(
      (r) => `| ${r.dataset} | ${r.lang} | ${r.n} | ${r.clean.toFixed(3)} | ${pts(r.meanDrop)} | ${fams.map((f) => pts(100 * (r.clean - r.attacked[f.name]!))).join(" | ")} |`,
    ),
    "",
  ];
  if (report.filterNames.length > 0) {
    lines.push(
      "## Word-list filters on the same messages",
      "",
      `The npm profanity filters people reach for first, each with every language list it ships, flagging a message when a list matches. F1 on clean messages, and mean F1 over the attack families, on the first ${report.filterLimit} rows of each test split (one of them takes about a millisecond a message), with Warden on the same rows.`,
      "",
      `| dataset | Warden clean | Warden attacked | ${report.filterNames.map((n) => `${n}${filterVersions[n] ? ` ${filterVersions[n]}` : ""} clean | attacked`).join(" | ")} |`,
      `|---|---:|---:|${report.filterNames.map(() => "---:|---:").join("|")}|`,
      ...report.rows.map((r) => {
        const w = r.filters[WARDEN]!;
        return `| ${r.dataset} | ${w.clean.toFixed(3)} | ${w.attacked.toFixed(3)} | ${report.filterNames.map((n) => `${r.filters[n]!.clean.toFixed(3)} | ${r.filters[n]!.attacked.toFixed(3)}`).join(" | ")} |`;
      }),
      `| **mean** | ${mean(report.rows, WARDEN, "clean")} | ${mean(report.rows, WARDEN, "attacked")} | ${report.filterNames.map((n) => `${mean(report.rows, n, "clean")} | ${mean(report.rows, n, "attacked")}`).join(" | ")} |`,
      "",
    );
  }
  lines.push(
    "## Language identification",
    "",
    "Accuracy of the detected `lang` against each test split's labelled language (clean messages). The shared data has no Spanish, Italian, Dutch or Japanese: those rows are measured on windows of ten words from the Universal Declaration of Human Rights (the `udhr` package), Spanish, Italian and Dutch on the paragraphs the identifier never trained on (it trains on the other three quarters), Japanese on all of it (kana settle Japanese; Japanese written in kanji alone reads as Chinese). Formal prose is easier than chat, so these four rows are upper bounds.",
    "",
    `The last two columns count only the messages of at most ${SHORT_MESSAGE_CODE_POINTS} characters ("lol", "shut up", "i love you"): a few character n-grams of evidence, and the language they are read in picks the per-language features, calibration and threshold that score them, so a short English message taken for Danish is judged by Danish standards.`,
    "",
    `| language | measured on | n | accuracy | most often mistaken for | short messages (≤ ${SHORT_MESSAGE_CODE_POINTS} characters) | accuracy on them |`,
    "|---|---|---:|---:|---|---:|---:|",
    ...report.langid.map((l) => `| ${l.lang} | ${l.source} | ${l.n} | ${l.accuracy.toFixed(3)} | ${l.confusedWith} | ${l.short.n} | ${l.short.accuracy === null ? "–" : l.short.accuracy.toFixed(3)} |`),
    "",
  );
  return lines.join("\n");
}

/** Mean F1 drop per attack family with each family's description, for the model card. */
export function robustnessSummary(engine: Engine, files: readonly DatasetFile[], limit: number | undefined, command: string): { familyDrop: Record<string, number>; descriptions: Record<string, string>; command: string } {
  const report = evaluateRobustness(engine, files, limit === undefined ? {} : { limit });
  return { familyDrop: report.familyDrop, descriptions: Object.fromEntries(report.families.map((f) => [f.name, f.description])), command };
}
