/**
 * Functional tests (after HateCheck, Röttger et al. 2021): small templated cases, one
 * functionality each, in six languages, that show what a model does right and wrong
 * for reasons a test split averages away — negation, quoting hate to condemn it,
 * identity terms in neutral or warm sentences, profanity that attacks nobody, threats
 * without insulting words, disguised spellings, everyday chat. Each case is judged on
 * one category (`abusive` or `hate`) as serving would flag it: its score against the
 * review threshold for the language detected.
 *
 * The templates were written for this suite and are never trained on.
 */
import type { Engine } from "../engine/engine.js";

export interface Functionality {
  readonly id: string;
  /** What it checks, in plain words. */
  readonly description: string;
  readonly category: "abusive" | "hate";
  /** Whether a case should be flagged on that category. */
  readonly flagged: boolean;
}

export const FUNCTIONALITIES: readonly Functionality[] = [
  { id: "insult", description: "direct insults (the baseline: plain abusive words)", category: "abusive", flagged: true },
  { id: "threat", description: "threats of violence, often without any insulting word", category: "abusive", flagged: true },
  { id: "spelling", description: "insults with disguised spellings (l33t, masks, spacing, stretched letters)", category: "abusive", flagged: true },
  { id: "dehumanization", description: "hate against an identity group", category: "hate", flagged: true },
  { id: "negation", description: "negated hate (\"X are not vermin\")", category: "hate", flagged: false },
  { id: "counter_speech", description: "hate quoted or reported in order to condemn it", category: "hate", flagged: false },
  { id: "identity_neutral", description: "neutral mentions of identity groups", category: "hate", flagged: false },
  { id: "identity_positive", description: "positive mentions of identity groups", category: "hate", flagged: false },
  { id: "profanity", description: "profanity that attacks nobody", category: "hate", flagged: false },
  { id: "everyday", description: "everyday chat that attacks nobody (greetings, thanks, small talk)", category: "abusive", flagged: false },
];

/** Per language: identity groups (plural, as the templates need them) and templates per functionality (`{g}`: a group). */
interface LanguageSuite {
  readonly groups: readonly string[];
  readonly templates: Readonly<Record<string, readonly string[]>>;
}

const SUITE: Readonly<Record<string, LanguageSuite>> = {
  en: {
    groups: ["immigrants", "Muslims", "women", "gay people"],
    templates: {
      insult: ["you are a stupid idiot", "shut up, you pathetic loser", "what a disgusting moron you are"],
      threat: ["I will find you and kill you", "someone should put a bullet in your head", "watch your back, tonight you die"],
      spelling: ["you are a st*pid 1d10t", "shut up you l o s e r", "what a m0r0n you are", "you are sooo stuuupid"],
      dehumanization: ["{g} are vermin and should be wiped out", "{g} are a disease on this country", "I hate all {g}, they are animals"],
      negation: ["{g} are not vermin", "I would never say that {g} are animals", "nobody should hate {g}"],
      counter_speech: ["saying that {g} are vermin is disgusting", "he wrote \"{g} are animals\" and I reported him for it", "stop telling people that {g} are a disease"],
      identity_neutral: ["I met some {g} at the conference today", "the report counts how many {g} live in the city", "{g} were interviewed for the study"],
      identity_positive: ["{g} make this country better", "I love my {g} neighbours", "so proud of the {g} in our team"],
      profanity: ["holy shit, what a goal", "this fucking game is amazing", "damn, that was a good meal"],
      everyday: ["how are you?", "see you tomorrow", "thanks, that helps a lot", "good morning everyone", "lol same here", "what time is the meeting?"],
    },
  },
  de: {
    groups: ["Migranten", "Muslime", "Frauen", "Schwule"],
    templates: {
      insult: ["du bist ein dummer Idiot", "halt die Klappe, du erbärmlicher Versager", "was für ein widerlicher Trottel du bist"],
      threat: ["ich werde dich finden und umbringen", "jemand sollte dir eine Kugel in den Kopf jagen", "pass auf, heute Nacht stirbst du"],
      spelling: ["du bist ein d*mmer 1d10t", "halt die Klappe du V e r s a g e r", "was für ein Tr0tt3l du bist", "du bist sooo bläääd"],
      dehumanization: ["{g} sind Ungeziefer und gehören ausgerottet", "{g} sind eine Seuche für dieses Land", "ich hasse alle {g}, das sind Tiere"],
      negation: ["{g} sind kein Ungeziefer", "ich würde nie sagen, dass {g} Tiere sind", "niemand sollte {g} hassen"],
      counter_speech: ["zu sagen, {g} seien Ungeziefer, ist widerlich", "er schrieb \"{g} sind Tiere\" und ich habe ihn gemeldet", "hört auf zu behaupten, {g} seien eine Seuche"],
      identity_neutral: ["ich habe heute auf der Konferenz einige {g} getroffen", "der Bericht zählt, wie viele {g} in der Stadt leben", "für die Studie wurden {g} befragt"],
      identity_positive: ["{g} machen dieses Land besser", "ich mag unsere Nachbarn, die {g} sind", "wir sind stolz auf die {g} in unserem Team"],
      profanity: ["heilige Scheiße, was für ein Tor", "dieses verdammte Spiel ist großartig", "verdammt, das Essen war gut"],
      everyday: ["wie geht's dir?", "bis morgen", "danke, das hilft mir sehr", "guten Morgen zusammen", "haha, ich auch", "wann ist das Treffen?"],
    },
  },
  fr: {
    groups: ["les immigrés", "les musulmans", "les femmes", "les homosexuels"],
    templates: {
      insult: ["tu es un idiot stupide", "tais-toi, espèce de minable", "quel crétin répugnant tu fais"],
      threat: ["je vais te trouver et te tuer", "quelqu'un devrait te mettre une balle dans la tête", "fais gaffe, cette nuit tu vas mourir"],
      spelling: ["tu es un id*ot st*pide", "tais-toi espèce de m i n a b l e", "quel cr3t1n tu fais", "tu es trooop nuuul"],
      dehumanization: ["{g} sont de la vermine à exterminer", "{g} sont une maladie pour ce pays", "je déteste tous {g}, ce sont des animaux"],
      negation: ["{g} ne sont pas de la vermine", "je ne dirais jamais que {g} sont des animaux", "personne ne devrait détester {g}"],
      counter_speech: ["dire que {g} sont de la vermine est honteux", "il a écrit « {g} sont des animaux » et je l'ai signalé", "arrêtez de dire que {g} sont une maladie"],
      identity_neutral: ["j'ai rencontré {g} du quartier à la conférence", "le rapport décrit comment {g} vivent dans la ville", "{g} ont été interrogés pour l'étude"],
      identity_positive: ["{g} rendent ce pays meilleur", "j'aime beaucoup {g} de mon quartier", "{g} de notre équipe nous rendent fiers"],
      profanity: ["putain, quel but", "ce putain de jeu est génial", "merde, c'était un bon repas"],
      everyday: ["comment ça va ?", "à demain", "merci, ça m'aide beaucoup", "bonjour à tous", "mdr, moi aussi", "à quelle heure est la réunion ?"],
    },
  },
  pt: {
    groups: ["imigrantes", "muçulmanos", "mulheres", "gays"],
    templates: {
      insult: ["você é um idiota estúpido", "cala a boca, seu fracassado patético", "que imbecil nojento você é"],
      threat: ["vou te encontrar e te matar", "alguém devia te dar um tiro na cabeça", "cuidado, esta noite você morre"],
      spelling: ["você é um 1d10t4 est*pido", "cala a boca seu f r a c a s s a d o", "que 1mb3c1l você é", "você é muuuito burrooo"],
      dehumanization: ["{g} são vermes e devem ser exterminados", "{g} são uma doença para este país", "odeio todos os {g}, são animais"],
      negation: ["{g} não são vermes", "eu nunca diria que {g} são animais", "ninguém deveria odiar {g}"],
      counter_speech: ["dizer que {g} são vermes é nojento", "ele escreveu \"{g} são animais\" e eu denunciei", "parem de dizer que {g} são uma doença"],
      identity_neutral: ["conheci alguns {g} na conferência hoje", "o relatório conta quantos {g} vivem na cidade", "{g} foram entrevistados para o estudo"],
      identity_positive: ["{g} tornam este país melhor", "adoro os meus vizinhos {g}", "temos orgulho dos {g} da nossa equipe"],
      profanity: ["puta merda, que golaço", "esse jogo do caralho é incrível", "porra, que comida boa"],
      everyday: ["tudo bem com você?", "até amanhã", "obrigado, isso ajuda muito", "bom dia a todos", "kkkk eu também", "que horas é a reunião?"],
    },
  },
  tr: {
    groups: ["göçmenler", "Müslümanlar", "kadınlar", "eşcinseller"],
    templates: {
      insult: ["sen aptal bir salaksın", "kapa çeneni, zavallı ezik", "ne iğrenç bir gerizekalısın"],
      threat: ["seni bulup öldüreceğim", "biri kafana bir kurşun sıkmalı", "dikkat et, bu gece öleceksin"],
      spelling: ["sen apt*l bir s4l4ksın", "kapa çeneni e z i k", "ne g3r1z3k4l1sın", "sen çooook aptaaalsın"],
      dehumanization: ["{g} haşarattır, yok edilmeliler", "{g} bu ülkenin hastalığıdır", "{g} hayvandır, hepsinden nefret ediyorum"],
      negation: ["{g} haşarat değildir", "\"{g} hayvandır\" asla demem", "{g} nefret edilmeyi hak etmiyor"],
      counter_speech: ["{g} haşarattır demek iğrenç", "\"{g} hayvandır\" yazdı ve onu şikayet ettim", "{g} hastalıktır demeyi bırakın"],
      identity_neutral: ["bugün konferansta {g} ile tanıştım", "rapor, şehirde yaşayan {g} hakkında", "araştırma için {g} ile görüşüldü"],
      identity_positive: ["{g} bu ülkeyi daha iyi yapıyor", "komşularımız arasında {g} var ve onları çok seviyoruz", "ekibimizdeki {g} ile gurur duyuyoruz"],
      profanity: ["hay sikeyim, ne gol ama", "bu lanet oyun harika", "kahretsin, yemek çok güzeldi"],
      everyday: ["nasılsın?", "yarın görüşürüz", "teşekkürler, çok yardımcı oldu", "herkese günaydın", "haha ben de", "toplantı saat kaçta?"],
    },
  },
  ru: {
    groups: ["мигранты", "мусульмане", "женщины", "геи"],
    templates: {
      insult: ["ты тупой идиот", "заткнись, жалкий неудачник", "какой же ты мерзкий придурок"],
      threat: ["я найду тебя и убью", "кто-нибудь должен пустить тебе пулю в голову", "берегись, этой ночью ты умрёшь"],
      spelling: ["ты т*пой ид*от", "заткнись н е у д а ч н и к", "какой же ты пр1дурок", "ты таааакой тупоооой"],
      dehumanization: ["{g} это паразиты, их надо уничтожить", "{g} это болезнь этой страны", "ненавижу их всех, {g} это животные"],
      negation: ["{g} не паразиты", "я бы никогда не сказал, что {g} животные", "{g} не заслуживают ненависти"],
      counter_speech: ["говорить, что {g} паразиты, отвратительно", "он написал «{g} это животные», и я на него пожаловался", "хватит говорить, что {g} это болезнь"],
      identity_neutral: ["сегодня на конференции были {g}", "в отчёте говорится, что {g} составляют треть жителей города", "{g} приняли участие в исследовании"],
      identity_positive: ["{g} делают эту страну лучше", "наши соседи {g}, и мы их очень любим", "мы гордимся, что в нашей команде есть {g}"],
      profanity: ["охренеть, какой гол", "эта чёртова игра потрясающая", "блин, еда была отличная"],
      everyday: ["как у тебя дела?", "до завтра", "спасибо, это очень помогло", "всем доброе утро", "ахах, я тоже", "во сколько встреча?"],
    },
  },
};

export interface FunctionalCase {
  readonly functionality: string;
  readonly lang: string;
  readonly text: string;
  readonly category: "abusive" | "hate";
  readonly flagged: boolean;
}

export function functionalCases(): FunctionalCase[] {
  const out: FunctionalCase[] = [];
  for (const [lang, suite] of Object.entries(SUITE)) {
    for (const f of FUNCTIONALITIES) {
      for (const t of suite.templates[f.id] ?? []) {
        const fills = t.includes("{g}") ? suite.groups.map((g) => t.replaceAll("{g}", g)) : [t];
        for (const text of fills) out.push({ functionality: f.id, lang, text, category: f.category, flagged: f.flagged });
      }
    }
  }
  return out;
}

export interface FunctionalRow {
  readonly functionality: Functionality;
  readonly n: number;
  /** Share of cases the model got right. */
  readonly passRate: number;
  readonly byLang: Record<string, { n: number; passRate: number }>;
  /** A few cases it got wrong, for the report. */
  readonly failures: string[];
}

export interface FunctionalReport {
  readonly model: string;
  readonly rows: FunctionalRow[];
  readonly languages: string[];
  /** Functionalities passed by fewer than WEAK_PASS_RATE of their cases. */
  readonly weakSpots: FunctionalRow[];
}

/** Below this pass rate a functionality is named as a weak spot. */
export const WEAK_PASS_RATE = 0.7;
const FAILURES_SHOWN = 3;

export function runFunctional(engine: Engine, cases: readonly FunctionalCase[] = functionalCases()): FunctionalReport {
  const rows = FUNCTIONALITIES.map((f): FunctionalRow => {
    const mine = cases.filter((c) => c.functionality === f.id);
    const byLang: Record<string, { n: number; passed: number }> = {};
    const failures: string[] = [];
    let passed = 0;
    for (const c of mine) {
      const r = engine.classify(c.text);
      const flagged = (r.categories[c.category] ?? 0) >= engine.flagThreshold(c.category, r.lang, r.stage);
      const ok = flagged === c.flagged;
      const l = (byLang[c.lang] ??= { n: 0, passed: 0 });
      l.n++;
      if (ok) {
        passed++;
        l.passed++;
      } else if (failures.length < FAILURES_SHOWN) failures.push(`${c.text} (${c.lang}, ${c.category} ${(r.categories[c.category] ?? 0).toFixed(2)})`);
    }
    return {
      functionality: f,
      n: mine.length,
      passRate: mine.length > 0 ? passed / mine.length : NaN,
      byLang: Object.fromEntries(Object.entries(byLang).map(([l, x]) => [l, { n: x.n, passRate: x.passed / x.n }])),
      failures,
    };
  });
  return { model: engine.version, rows, languages: Object.keys(SUITE), weakSpots: rows.filter((r) => r.passRate < WEAK_PASS_RATE) };
}

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : `${Math.round(100 * x)}%`);

export const BLIND_NOTE = "In this language the category flagged under half of the sentences it should flag, so not flagging these says little about telling them apart.";

/**
 * A functionality's pass rate in one language, starred where it means little: a "do not
 * flag" row in a language where the category flags under half of its own positive cases.
 */
export function passCell(report: FunctionalReport, row: FunctionalRow, lang: string): string {
  const controls = report.rows.filter((r) => r.functionality.flagged && r.functionality.category === row.functionality.category);
  const blind = !row.functionality.flagged && controls.length > 0 && controls.every((r) => (r.byLang[lang]?.passRate ?? 0) < 0.5);
  return `${pct(row.byLang[lang]?.passRate)}${blind ? "*" : ""}`;
}

/** The languages where a functionality is wrong more often than right. */
export function failingLanguages(row: FunctionalRow): string[] {
  return Object.entries(row.byLang).filter(([, x]) => x.passRate < 0.5).map(([l]) => l);
}

export function functionalMarkdown(report: FunctionalReport, command: string): string {
  const head = `| functionality | should be flagged as | cases | passed | ${report.languages.join(" | ")} |`;
  const sep = `|---|---|---:|---:|${report.languages.map(() => "---:").join("|")}|`;
  const body = report.rows.map((r) => `| ${r.functionality.id}: ${r.functionality.description} | ${r.functionality.flagged ? r.functionality.category : `not ${r.functionality.category}`} | ${r.n} | ${pct(r.passRate)} | ${report.languages.map((l) => passCell(report, r, l)).join(" | ")} |`);
  const starred = report.rows.some((r) => report.languages.some((l) => passCell(report, r, l).endsWith("*")));
  const weak = report.weakSpots.length === 0
    ? "No functionality falls below 70%."
    : `Weak spots (under 70% of cases right): ${report.weakSpots.map((r) => `**${r.functionality.id}** (${pct(r.passRate)}; mostly wrong in ${failingLanguages(r).join(", ") || "no single language"}; e.g. ${r.failures.map((f) => `"${f}"`).join("; ")})`).join("; ")}.`;
  return [
    `Produced by: \`${command}\` (model ${report.model}; ${report.rows.reduce((a, r) => a + r.n, 0)} cases in ${report.languages.length} languages, src/eval/functional.ts).`,
    "",
    head,
    sep,
    ...body,
    ...(starred ? ["", `\\* ${BLIND_NOTE}`] : []),
    "",
    weak,
    "",
    "Why an n-gram model fails where it does: it scores words and letter sequences, not what a sentence does with them. A negation or a quotation keeps the hateful words, so \"X are not vermin\" and \"saying X are vermin is disgusting\" score like the hate they reject; identity terms that co-occur with hate in the training data raise the score of any sentence that names the group; a threat made of ordinary words (\"I will find you\") has no insulting word to catch; profanity is scored by how often it came with abuse in the data, not by whether anyone is attacked; a short message with few telling words scores near the share of abusive messages in its language's training data, which is high where the datasets were collected from abusive conversations (English, French), so a greeting can reach a review threshold chosen on data with that base rate.",
    "",
  ].join("\n");
}
