/**
 * The rules stage: a deployment's own allow and block lists (terms, matched as whole
 * words of the normalized text, so "1d10t" and "i.d.i.o.t" match "idiot") and regular
 * expressions (matched against the normalized text). It answers before the model when
 * a rule matches (allow wins over block) and is what the fallback consults when the
 * model cannot answer.
 */
import { WardenError } from "../errors.js";
import { normalizeText, toInputSpan } from "../text/normalize.js";
import type { Reading } from "./engine.js";

export interface RulesConfig {
  readonly allow: readonly string[];
  readonly block: readonly string[];
  readonly allowPatterns: readonly string[];
  readonly blockPatterns: readonly string[];
}

export interface RuleMatch {
  readonly action: "allow" | "block";
  /** The rule as configured. */
  readonly rule: string;
  /** Where it matched, in the input's UTF-16 offsets. */
  readonly start: number;
  readonly end: number;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(terms: readonly string[], patterns: readonly string[], list: string): Array<{ rule: string; re: RegExp }> {
  const out = terms.map((t) => {
    const norm = normalizeText(t).text.trim();
    if (!norm) throw new WardenError("CONFIG_INVALID", `serving.rules.${list}: the term ${JSON.stringify(t)} is empty once normalized.`);
    return { rule: t, re: new RegExp(`(?<![\\p{L}\\p{N}])${escape(norm)}(?![\\p{L}\\p{N}])`, "u") };
  });
  for (const p of patterns) {
    try {
      out.push({ rule: p, re: new RegExp(p, "iu") });
    } catch (err) {
      throw new WardenError("CONFIG_INVALID", `serving.rules.${list}Patterns: ${JSON.stringify(p)} is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  return out;
}

export class RulesStage {
  private readonly allow: Array<{ rule: string; re: RegExp }>;
  private readonly block: Array<{ rule: string; re: RegExp }>;

  constructor(config: RulesConfig) {
    this.allow = compile(config.allow, config.allowPatterns, "allow");
    this.block = compile(config.block, config.blockPatterns, "block");
  }

  get empty(): boolean {
    return this.allow.length + this.block.length === 0;
  }

  /** The first rule that matches the message as the model reads it (allow lists first). */
  match(reading: Reading): RuleMatch | null {
    for (const [action, rules] of [["allow", this.allow], ["block", this.block]] as const) {
      for (const { rule, re } of rules) {
        const m = re.exec(reading.norm.text);
        if (m) return { action, rule, ...toInputSpan(reading.mapped(), m.index, m.index + m[0].length) };
      }
    }
    return null;
  }
}
