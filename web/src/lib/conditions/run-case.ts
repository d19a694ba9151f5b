/** Runs one condition-language case in the shape of tests/rules/conformance (and the agreement file). */
import { ConditionCompiler, makeEnv, type ItemInfo, type Kleene, type Range, type ScoreInfo } from "./conditions";

export interface CaseItem {
  type: string;
  options?: string[];
  exclusive?: string[];
  enabled?: boolean;
}

export interface ConformanceCase {
  description?: string;
  items: Record<string, CaseItem>;
  scores?: Record<string, { when: unknown; points: number }[]>;
  conditions?: Record<string, unknown>;
  condition: unknown;
  answers: Record<string, unknown>;
  expected: Kleene;
  error?: string;
}

/** The value of the case's condition and the problem codes compiling reported (as tests/rules/conformance_runner.py). */
export function runCase(c: ConformanceCase): { value: Kleene; problems: string[] } {
  const items = new Map<string, ItemInfo>(
    Object.entries(c.items).map(([id, spec]) => [
      id,
      { type: spec.type, options: new Set(spec.options ?? []), exclusive: new Set(spec.exclusive ?? []) },
    ]),
  );
  const facts = new Map<string, unknown>();
  for (const [id, value] of Object.entries(c.answers)) {
    if (value !== null && c.items[id]?.enabled !== false) facts.set(id, value);
  }
  const ranges = new Map<string, Range>();
  const scoreInfos = new Map<string, ScoreInfo>();
  const problems: string[] = [];
  for (const [scoreId, terms] of Object.entries(c.scores ?? {})) {
    const compiler = new ConditionCompiler(items);
    const compiled = terms.map((t) => [compiler.compile(t.when, ""), t.points] as const);
    problems.push(...compiler.problems.map((p) => p.code));
    let lo = 0;
    let hi = 0;
    let staticLo = 0;
    let staticHi = 0;
    for (const [cond, points] of compiled) {
      const v = cond.fn(makeEnv(facts, ranges));
      if (v === true) {
        lo += points;
        hi += points;
      } else if (v === null) {
        lo += Math.min(points, 0);
        hi += Math.max(points, 0);
      }
      staticLo += Math.min(points, 0);
      staticHi += Math.max(points, 0);
    }
    ranges.set(scoreId, [lo, hi]);
    scoreInfos.set(scoreId, { static: [staticLo, staticHi], integral: compiled.every(([, p]) => Number.isInteger(p)) });
  }
  const compiler = new ConditionCompiler(items, scoreInfos, c.conditions ?? {});
  const condition = compiler.compile(c.condition, "");
  problems.push(...compiler.problems.map((p) => p.code));
  return { value: condition.fn(makeEnv(facts, ranges)), problems };
}
