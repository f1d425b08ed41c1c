// The loop end to end on real data (bench/loop-scenario.ts), larger than its test, as
// Markdown for docs/quality.md: node scripts/loop-scenario.mjs [DATA] [OUT.md]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCENARIO_BASE, runLoopScenario, scenarioMarkdown } from "../dist/bench/loop-scenario.js";

const data = process.argv[2] ?? "../shared/data";
const out = process.argv[3] ?? "/dev/stdout";
const workDir = mkdtempSync(join(tmpdir(), "warden-loop-scenario-"));
try {
  const result = await runLoopScenario({ sharedData: data, base: SCENARIO_BASE, target: "offenseval-tr", workDir, replay: 8000, shadowReplay: 3528, randomShare: 0.2, minLabels: 1500, log: (l) => process.stderr.write(`${l}\n`) });
  writeFileSync(out, scenarioMarkdown(result, "node scripts/loop-scenario.mjs") + "\n");
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
