/** The simulation tables of docs/experiments.md (`warden experiment simulate`). */
import { DEFAULT_SEQUENTIAL } from "./sequential.js";
import { simulate, type SimulationResult } from "./simulate.js";

const EXPERIMENTS = 1000;
const MAX_PER_ARM = 20_000;
const PEEK_EVERY = 100;

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const n = (x: number | null): string => (x === null ? "–" : x.toLocaleString("en-US"));

export function simulationMarkdown(): string {
  const aa = [0.05, 0.2, 0.5, 0.8].map((baseRate, i) => ({
    msprt: simulate({ experiments: EXPERIMENTS, baseRate, lift: 0, maxPerArm: MAX_PER_ARM, peekEvery: PEEK_EVERY, seed: 100 + i }),
    naive: simulate({ experiments: EXPERIMENTS, baseRate, lift: 0, maxPerArm: MAX_PER_ARM, peekEvery: PEEK_EVERY, seed: 100 + i, method: "naive-z" }),
  }));
  const ab: SimulationResult[] = [
    [0.8, 0.03],
    [0.9, 0.03],
    [0.6, 0.03],
    [0.8, -0.03],
    [0.1, 0.03],
    [0.8, 0.01],
  ].map(([baseRate, lift], i) => simulate({ experiments: EXPERIMENTS, baseRate: baseRate!, lift: lift!, maxPerArm: MAX_PER_ARM, peekEvery: PEEK_EVERY, seed: 200 + i }));
  return [
    `Produced by \`warden experiment simulate\`: ${EXPERIMENTS.toLocaleString("en-US")} simulated experiments per row, each looked at after every ${PEEK_EVERY} samples per arm up to ${MAX_PER_ARM.toLocaleString("en-US")} (${MAX_PER_ARM / PEEK_EVERY} looks), with the test Warden uses (mSPRT, α = ${DEFAULT_SEQUENTIAL.alpha}, τ = ${DEFAULT_SEQUENTIAL.tau}).`,
    "",
    "### When there is no difference (A/A)",
    "",
    "| true rate, both arms | false positives, Warden's test | false positives, a z-test looked at as often |",
    "|---:|---:|---:|",
    ...aa.map(({ msprt, naive }) => `| ${msprt.spec.baseRate} | **${pct(msprt.rejectRate)}** | ${pct(naive.rejectRate)} |`),
    "",
    "### When there is one (A/B)",
    "",
    "| champion's rate | challenger's rate | found | samples per arm when found, median | 90th percentile | found the wrong way round |",
    "|---:|---:|---:|---:|---:|---:|",
    ...ab.map((r) => `| ${r.spec.baseRate} | ${(r.spec.baseRate + r.spec.lift).toFixed(2)} | ${pct(r.rejectRate)} | ${n(r.samplesToDecision.median)} | ${n(r.samplesToDecision.p90)} | ${pct(r.wrongSign)} |`),
    "",
  ].join("\n");
}
