/**
 * Step `split`: carve the validation split, build the lexicon from the training split
 * and renormalize the rows it can settle (../split.ts `splitStage`).
 * Input: validate's output. Params: validationShare, seed.
 */
import type { TrainingConfig } from "../../config.js";
import { Lexicon, type LexiconEntry } from "../../text/lexicon.js";
import type { NormalizationLevel } from "../../text/normalize.js";
import { decodedOnce, pack, unpack } from "../codec.js";
import { codeFingerprint } from "../fingerprint.js";
import { mapOnTwoThreads } from "../parallel.js";
import type { Step, StepOutput } from "../runner.js";
import { TASKS, assembleSplit, assignSplit, type FirstPass, type SplitData } from "../split.js";
import type { Progress } from "../train.js";
import { decodeValidated, type DatasetMeta } from "./validate.js";

/** This module's code version, taken as it loads (runner.ts). */
const CODE = codeFingerprint(import.meta.url);

export interface SplitOutput {
  readonly split: SplitData;
  /** Carried on for the artifact's meta. */
  readonly datasets: DatasetMeta[];
}

export function splitStep(validated: StepOutput, config: TrainingConfig): Step {
  const params = { validationShare: config.validationShare, seed: config.seed, normalization: config.normalization };
  return {
    name: "split",
    version: 1,
    code: CODE,
    params,
    inputs: { validate: validated.sha256 },
    // splitStage's parts, with the renormalization (most of the work) on two threads.
    async run(progress: Progress): Promise<Buffer> {
      const v = decodeValidated(validated.payload);
      const assigned = assignSplit(
        v.first,
        v.examples.map((e) => e.lang),
        params,
      );
      const again = await mapOnTwoThreads<readonly [string, string], FirstPass>(
        TASKS.normalizeWithLexicon,
        assigned.ambiguous.map((i) => [v.examples[i]!.text, v.examples[i]!.lang] as const),
        { lexicon: assigned.lexicon.entries(), level: params.normalization },
        (done, total) => progress("split", done, total),
      );
      return encodeSplit({ split: assembleSplit(v.examples, v.first, assigned, again, params.normalization), datasets: v.datasets });
    },
  };
}

function encodeSplit({ split: s, datasets }: SplitOutput): Buffer {
  const datasetIndex = new Map(datasets.map((d, i) => [d.name, i]));
  const langs = [...new Set(s.lang)].sort();
  const langIndex = new Map(langs.map((l, i) => [l, i]));
  const isValidation = new Uint8Array(s.rows);
  for (const i of s.validation) isValidation[i] = 1;
  return pack({
    json: { normalization: s.normalization, datasets, langs, lexicon: s.lexicon.entries() },
    columns: {
      label: s.label,
      dataset: Uint16Array.from(s.dataset, (d) => datasetIndex.get(d)!),
      lang: Uint16Array.from(s.lang, (l) => langIndex.get(l)!),
      evasion: s.evasion,
      validation: isValidation,
    },
    strings: { normalized: s.normalized as string[], validationText: s.validationText as string[] },
  });
}

/** Decoded once per run: language, train, calibrate, evaluate and gate all read it. */
export const decodeSplit = decodedOnce((buf: Buffer): SplitOutput => {
  const { json, columns, strings } = unpack(buf);
  const j = json as { normalization: NormalizationLevel; datasets: DatasetMeta[]; langs: string[]; lexicon: LexiconEntry[] };
  const { label, dataset, lang, evasion, validation } = columns as Record<string, Uint8Array | Uint16Array>;
  const rows = label!.length;
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < rows; i++) (validation![i] ? held : train).push(i);
  const split: SplitData = {
    normalization: j.normalization,
    rows,
    label: label as Uint8Array,
    lang: Array.from(lang!, (l) => j.langs[l]!),
    dataset: Array.from(dataset!, (d) => j.datasets[d]!.name),
    task: Array.from(dataset!, (d) => j.datasets[d]!.task),
    normalized: strings.normalized!,
    evasion: evasion as Uint16Array,
    train,
    validation: held,
    validationText: strings.validationText!,
    lexicon: new Lexicon(j.lexicon),
  };
  return { split, datasets: j.datasets };
});
