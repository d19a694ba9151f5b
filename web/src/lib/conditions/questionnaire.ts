/**
 * Visibility of a questionnaire's sections and items, as app/rules/engine.py `settle` decides
 * it: in dependency order, an item is enabled only when its section and its own `enable_when`
 * are true; only answers of enabled items are facts that later conditions read.
 */
import {
  ConditionCompiler,
  makeEnv,
  type CondFn,
  type Condition,
  type ItemInfo,
  type Kleene,
  type Problem,
  type Range,
  type ScoreInfo,
} from "./conditions";

export interface QOption {
  code: string;
  label?: string;
  help?: string;
  exclusive?: boolean;
  /** "We do not know": completes the question, but conditions read the item as unanswered. */
  unknown?: boolean;
}

export interface QItem {
  id: string;
  type: string;
  text?: string;
  help?: string;
  required?: boolean;
  enable_when?: unknown;
  refs?: string[];
  options?: QOption[];
  option_set?: string;
  minimum?: number | string;
  maximum?: number | string;
  min_selected?: number;
  max_selected?: number;
  max_length?: number;
  pattern?: string;
  unit?: string;
}

export interface QSection {
  id: string;
  title?: string;
  description?: string;
  enable_when?: unknown;
  items: QItem[];
}

export interface QDocument {
  key: string;
  version: string;
  title: string;
  sections: QSection[];
  conditions?: Record<string, unknown>;
  option_sets?: Record<string, QOption[]>;
  scoring?: { scores?: { id: string; terms: { when: unknown; points: number }[] }[] };
}

type Step =
  | { kind: "section"; id: string; fn: CondFn | null }
  | { kind: "item"; id: string; fn: CondFn | null; section: string }
  | { kind: "score"; id: string; terms: (readonly [CondFn, number])[] };

export interface Program {
  plan: Step[];
  items: Map<string, QItem>;
  sectionOf: Map<string, string>;
  /** Per item, the option codes that answer "not known" (never a fact, as on the server). */
  unknownOptions: Map<string, ReadonlySet<string>>;
  problems: Problem[];
}

export interface Visibility {
  sections: Map<string, Kleene>;
  items: Map<string, Kleene>;
  facts: Map<string, unknown>;
}

export function optionsOf(doc: QDocument, item: QItem): QOption[] {
  return item.options ?? (item.option_set ? (doc.option_sets?.[item.option_set] ?? []) : []);
}

/** Compiles the visibility conditions (and the scores they may read) into an evaluation plan. */
export function compileQuestionnaire(doc: QDocument): Program {
  const items = new Map<string, QItem>();
  const infos = new Map<string, ItemInfo>();
  const sectionOf = new Map<string, string>();
  const unknownOptions = new Map<string, ReadonlySet<string>>();
  for (const section of doc.sections) {
    for (const item of section.items) {
      items.set(item.id, item);
      sectionOf.set(item.id, section.id);
      const options = optionsOf(doc, item);
      const unknown = options.filter((o) => o.unknown === true).map((o) => o.code);
      if (unknown.length > 0) unknownOptions.set(item.id, new Set(unknown));
      infos.set(item.id, {
        type: item.type,
        options: new Set(options.filter((o) => o.unknown !== true).map((o) => o.code)),
        exclusive: new Set(options.filter((o) => o.exclusive).map((o) => o.code)),
      });
    }
  }
  const scoreSpecs = doc.scoring?.scores ?? [];
  const scoreInfos = new Map<string, ScoreInfo>(
    scoreSpecs.map((s) => [
      s.id,
      {
        static: [
          s.terms.reduce((a, t) => a + Math.min(t.points, 0), 0),
          s.terms.reduce((a, t) => a + Math.max(t.points, 0), 0),
        ] as Range,
        integral: s.terms.every((t) => Number.isInteger(t.points)),
      },
    ]),
  );
  const compiler = new ConditionCompiler(
    infos,
    scoreInfos,
    doc.conditions ?? {},
    new Set(doc.sections.map((s) => s.id)),
  );
  const compileOpt = (expr: unknown, ptr: string): Condition | null =>
    expr === undefined || expr === null ? null : compiler.compile(expr, ptr);

  type Node = string; // "s:<id>", "i:<id>", "c:<id>" (score)
  const deps = new Map<Node, Node[]>();
  const steps = new Map<Node, Step>();
  const condNodes = (c: Condition | null): Node[] =>
    c
      ? [...[...c.reads].sort().filter((i) => items.has(i)).map((i) => `i:${i}`), ...[...c.scores].sort().map((s) => `c:${s}`)]
      : [];
  doc.sections.forEach((section, si) => {
    const c = compileOpt(section.enable_when, `/sections/${si}/enable_when`);
    deps.set(`s:${section.id}`, condNodes(c));
    steps.set(`s:${section.id}`, { kind: "section", id: section.id, fn: c?.fn ?? null });
  });
  doc.sections.forEach((section, si) => {
    section.items.forEach((item, ii) => {
      const c = compileOpt(item.enable_when, `/sections/${si}/items/${ii}/enable_when`);
      deps.set(`i:${item.id}`, [`s:${section.id}`, ...condNodes(c)]);
      steps.set(`i:${item.id}`, { kind: "item", id: item.id, fn: c?.fn ?? null, section: section.id });
    });
  });
  scoreSpecs.forEach((s, si) => {
    const terms = s.terms.map((t, ti) => [compiler.compile(t.when, `/scoring/scores/${si}/terms/${ti}/when`), t.points] as const);
    deps.set(`c:${s.id}`, terms.flatMap(([c]) => condNodes(c)));
    steps.set(`c:${s.id}`, { kind: "score", id: s.id, terms: terms.map(([c, p]) => [c.fn, p] as const) });
  });
  const plan: Step[] = [];
  const state = new Map<Node, 1 | 2>();
  const visit = (node: Node) => {
    if (state.has(node) || !deps.has(node)) return; // a cycle was refused by the server at load
    state.set(node, 1);
    for (const dep of deps.get(node) ?? []) visit(dep);
    state.set(node, 2);
    plan.push(steps.get(node) as Step);
  };
  for (const node of deps.keys()) visit(node);
  return { plan, items, sectionOf, unknownOptions, problems: compiler.problems };
}

/** Which sections and items are enabled for these answers (true), disabled (false) or undetermined (null). */
export function settle(program: Program, answers: Readonly<Record<string, unknown>>): Visibility {
  const facts = new Map<string, unknown>();
  const ranges = new Map<string, Range>();
  const sections = new Map<string, Kleene>();
  const states = new Map<string, Kleene>();
  const env = makeEnv(facts, ranges);
  for (const step of program.plan) {
    if (step.kind === "item") {
      const s = sections.get(step.section) ?? null;
      if (s === false) {
        states.set(step.id, false);
        continue;
      }
      let e: Kleene = step.fn === null ? true : step.fn(env);
      if (s === null && e !== false) e = null;
      states.set(step.id, e);
      if (e === true) {
        const value = answers[step.id];
        const unknown = program.unknownOptions.get(step.id);
        if (value !== undefined && value !== null && !(typeof value === "string" && unknown?.has(value))) {
          facts.set(step.id, value);
        }
      }
    } else if (step.kind === "section") {
      sections.set(step.id, step.fn === null ? true : step.fn(env));
    } else {
      let lo = 0;
      let hi = 0;
      for (const [term, points] of step.terms) {
        const v = term(env);
        if (v === true) {
          lo += points;
          hi += points;
        } else if (v === null) {
          if (points < 0) lo += points;
          else hi += points;
        }
      }
      ranges.set(step.id, [lo, hi]);
    }
  }
  return { sections, items: states, facts };
}
