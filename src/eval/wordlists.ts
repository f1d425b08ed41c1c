/**
 * npm word-list profanity filters, as baselines to compare Warden against.
 *
 * They are devDependencies: each is imported dynamically, and one that is not installed
 * (a production install) is reported in `missing` instead of failing. Every adapter uses the
 * library's own "is this text profane?" call as its README shows it, with its shipped word
 * lists only; nothing here downloads anything at run time.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface WordListFilter {
  readonly name: string;
  readonly version: string;
  flag(text: string): boolean;
}

const require = createRequire(import.meta.url);

function readVersion(file: string, pkg: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    return json.name === pkg ? json.version : undefined;
  } catch {
    return undefined;
  }
}

/** The installed version of `pkg`, from its package.json ("unknown" if it cannot be found). */
function packageVersion(pkg: string): string {
  try {
    const v = readVersion(require.resolve(`${pkg}/package.json`), pkg);
    if (v) return v;
  } catch {
    // package.json not exported (obscenity, glin-profanity): walk up from the entry point below
  }
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    try {
      entry = fileURLToPath(import.meta.resolve(pkg)); // ESM-only exports
    } catch {
      return "unknown";
    }
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const v = readVersion(join(dir, "package.json"), pkg); // skips nested {"type":"module"} files
    if (v) return v;
    if (dirname(dir) === dir) return "unknown";
  }
}

type Make = () => Promise<(text: string) => boolean>;

const ADAPTERS: ReadonlyArray<readonly [string, Make]> = [
  [
    "obscenity",
    // README: a RegExpMatcher built from the English preset dataset plus the recommended
    // transformers (confusables, leet, repeated letters), then `hasMatch`. English only: it
    // ships no other dataset.
    async () => {
      const o = await import("obscenity");
      const matcher = new o.RegExpMatcher({ ...o.englishDataset.build(), ...o.englishRecommendedTransformers });
      return (text) => matcher.hasMatch(text);
    },
  ],
  [
    "leo-profanity",
    // README: the module itself is the filter, `check(text)`. It ships en (Shutterstock list)
    // plus fr and ru through its optional dependencies; `loadDictionary` swaps one list for
    // another, so we add fr and ru to the loaded en list with the public `add`/`getDictionary`
    // (getDictionary falls back to en for a missing language, hence the `in` check). This
    // mutates the module-level singleton: the only way this library is used.
    async () => {
      const leo = (await import("leo-profanity")).default;
      leo.reset();
      for (const lang of ["fr", "ru"]) if (lang in leo.wordDictionary) leo.add(leo.getDictionary(lang));
      return (text) => leo.check(text);
    },
  ],
  [
    "@2toad/profanity",
    // README: `new Profanity({ languages })` then `exists(text)`. We pass every language it ships
    // (en, ar, de, es, fr, it, hi, ja, ko, pt, ru, zh: the keys of `profaneWords`); other options
    // are defaults (whole words, ASCII word boundaries).
    async () => {
      const p = await import("@2toad/profanity");
      const filter = new p.Profanity({ languages: [...p.profaneWords.keys()] });
      return (text) => filter.exists(text);
    },
  ],
  [
    "glin-profanity",
    // README: `new Filter({...})` then `isProfane(text)`; `allLanguages: true` is its documented
    // switch for all 23 bundled lists (arabic, chinese, czech, danish, dutch, english, esperanto,
    // finnish, french, german, hindi, hungarian, italian, japanese, korean, norwegian, persian,
    // polish, portuguese, russian, spanish, swedish, thai, turkish). `detectLeetspeak: true` as
    // in both README quick-start examples; result caching stays off (its default) so timings
    // are not of a cache.
    async () => {
      const g = await import("glin-profanity");
      const filter = new g.Filter({ allLanguages: true, detectLeetspeak: true });
      return (text) => filter.isProfane(text);
    },
  ],
  [
    "allprofanity",
    // README: `check(text)`. A private instance rather than the shared default export (same
    // defaults: leet-speak on, silent), with every built-in pack loaded via the documented
    // `loadLanguages(getAvailableLanguages())`: english, hindi, french, german, spanish,
    // bengali, tamil, telugu, brazilian (Portuguese), greek.
    async () => {
      const a = await import("allprofanity");
      const filter = new a.AllProfanity({ silent: true });
      filter.loadLanguages(filter.getAvailableLanguages());
      return (text) => filter.check(text);
    },
  ],
];

/** One filter by its package name; null when it is not installed or not one of ours. */
export async function loadWordListFilter(name: string): Promise<WordListFilter | null> {
  const make = ADAPTERS.find(([n]) => n === name)?.[1];
  if (!make) return null;
  try {
    return { name, version: packageVersion(name), flag: await make() };
  } catch {
    return null;
  }
}

/** The filters that are installed (they are devDependencies: absent in a production install). */
export async function loadWordListFilters(): Promise<{ filters: WordListFilter[]; missing: string[] }> {
  const filters: WordListFilter[] = [];
  const missing: string[] = [];
  for (const [name] of ADAPTERS) {
    const filter = await loadWordListFilter(name);
    if (filter) filters.push(filter);
    else missing.push(name);
  }
  return { filters, missing };
}
