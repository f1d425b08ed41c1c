/** Progress of long steps: a redrawn bar on a terminal, a plain line every 10% otherwise. */
import type { WriteStream } from "node:tty";
import type { Progress } from "../pipeline/train.js";

export function progressReporter(stream: NodeJS.WriteStream | WriteStream): Progress {
  let lastDecile = -1;
  let lastStage = "";
  return (stage, done, total) => {
    if (stage !== lastStage) {
      lastStage = stage;
      lastDecile = -1;
    }
    const share = total > 0 ? done / total : 1;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      stream.write(`\r${stage} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(share * 100).toFixed(0)}%${done >= total ? "\n" : ""}`);
      return;
    }
    const decile = Math.floor(share * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${stage}: ${(share * 100).toFixed(0)}% (${done}/${total})\n`);
    }
  };
}
