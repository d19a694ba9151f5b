/**
 * The condition language in TypeScript: the same checks and the same three-valued (Kleene)
 * semantics as app/rules/conditions.py, so that the browser shows exactly the questions the
 * server enables. Values are `true`, `false` and `null` for unknown; reading an unanswered or
 * disabled item (one absent from `facts`) is unknown. Both pass tests/rules/conformance/.
 */

export type Kleene = boolean | null;
export type Range = readonly [number, number];

export interface Env {
  facts: ReadonlyMap<string, unknown>;
  ranges: ReadonlyMap<string, Range>;
  memo: Map<number, Kleene>;
}

export function makeEnv(
  facts: ReadonlyMap<string, unknown>,
  ranges: ReadonlyMap<string, Range> = new Map(),
): Env {
  return { facts, ranges, memo: new Map() };
}

export type CondFn = (env: Env) => Kleene;

export interface ItemInfo {
  type: string;
  options?: ReadonlySet<string>;
  exclusive?: ReadonlySet<string>;
}

export interface ScoreInfo {
  static: Range;
  integral: boolean;
}

export interface Problem {
  pointer: string;
  message: string;
  code: string;
}

export interface Condition {
  fn: CondFn;
  /** Items read directly or through named conditions. */
  reads: ReadonlySet<string>;
  scores: ReadonlySet<string>;
  /** The value when decided statically, else null. */
  const: Kleene;
}

type Json = unknown;

const EMPTY: ReadonlySet<string> = new Set();
const EQUALITY_OPS = ["==", "!="] as const;
const COMPARISON_OPS = ["==", "!=", "<", "<=", ">", ">="] as const;
type ComparisonOp = (typeof COMPARISON_OPS)[number];
export const OPERATORS = [
  "all",
  "any",
  "not",
  ...COMPARISON_OPS,
  "in",
  "includes",
  "includes_any",
  "includes_all",
  "answered",
  "count",
  "score",
  "var",
  "condition",
] as const;
const COMPARABLE: Record<string, readonly string[]> = {
  boolean: EQUALITY_OPS,
  single_choice: EQUALITY_OPS,
  string: EQUALITY_OPS,
  integer: COMPARISON_OPS,
  decimal: COMPARISON_OPS,
  date: COMPARISON_OPS,
};
const IN_TYPES = new Set(["single_choice", "string", "integer"]);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const alwaysUnknown: CondFn = () => null;
const alwaysTrue: CondFn = () => true;
const alwaysFalse: CondFn = () => false;

function constant(value: boolean, reads = EMPTY, scores = EMPTY): Condition {
  return { fn: value ? alwaysTrue : alwaysFalse, reads, scores, const: value };
}

function inert(): Condition {
  return { fn: alwaysUnknown, reads: EMPTY, scores: EMPTY, const: null };
}

function union(parts: Iterable<ReadonlySet<string>>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const part of parts) for (const x of part) out.add(x);
  return out;
}

export function joinPointer(base: string, token: string | number): string {
  return `${base}/${String(token).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function compare(op: ComparisonOp, a: unknown, b: unknown): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return (a as number) < (b as number);
    case "<=":
      return (a as number) <= (b as number);
    case ">":
      return (a as number) > (b as number);
    case ">=":
      return (a as number) >= (b as number);
  }
}

/** Decide `value <op> k` knowing only that value lies in [lo, hi]; unknown when the range disagrees. */
export function decide(op: ComparisonOp, lo: number, hi: number, k: number, integral = false): Kleene {
  if (op === "==" || op === "!=") {
    let eq: Kleene;
    if ((integral && k !== Math.trunc(k)) || k < lo || k > hi) eq = false;
    else if (lo === hi) eq = true;
    else eq = null;
    return op === "==" || eq === null ? eq : !eq;
  }
  if (op === "<") return hi < k ? true : lo >= k ? false : null;
  if (op === "<=") return hi <= k ? true : lo > k ? false : null;
  if (op === ">") return lo > k ? true : hi <= k ? false : null;
  return lo >= k ? true : hi < k ? false : null;
}

/** True for a real calendar date written as YYYY-MM-DD. */
export function validDate(value: unknown): boolean {
  if (typeof value !== "string" || !DATE_RE.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

function isNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

function literalProblem(itemType: string, value: unknown): string | null {
  let ok: boolean;
  let want: string;
  if (itemType === "boolean") {
    ok = typeof value === "boolean";
    want = "true or false";
  } else if (itemType === "single_choice" || itemType === "string" || itemType === "multi_choice") {
    ok = typeof value === "string";
    want = "a string";
  } else if (itemType === "integer") {
    ok = isNumber(value) && Number.isInteger(value);
    want = "an integer";
  } else if (itemType === "decimal") {
    ok = isNumber(value);
    want = "a number";
  } else if (itemType === "date") {
    ok = validDate(value);
    want = 'a date "YYYY-MM-DD"';
  } else {
    return `a ${itemType} item has no value to compare`;
  }
  return ok ? null : `${JSON.stringify(value)} is not a literal for a ${itemType} item: expected ${want}`;
}

let memoKeys = 0;

/** A condition evaluated at most once per Env (named conditions). */
function memoised(cond: Condition): Condition {
  if (cond.const !== null) return cond;
  const key = memoKeys++;
  const inner = cond.fn;
  const fn: CondFn = (env) => {
    const hit = env.memo.get(key);
    if (hit !== undefined) return hit;
    const v = inner(env);
    env.memo.set(key, v);
    return v;
  };
  return { ...cond, fn };
}

interface NumberExpr {
  fn: (env: Env) => Range;
  static: Range;
  integral: boolean;
  reads: ReadonlySet<string>;
  scores: ReadonlySet<string>;
}

/** Compiles conditions against known items, scores and named conditions, collecting problems. */
export class ConditionCompiler {
  readonly problems: Problem[] = [];
  private readonly compiledNames = new Map<string, Condition>();
  private readonly stack: string[] = [];

  constructor(
    private readonly items: ReadonlyMap<string, ItemInfo>,
    private readonly scores: ReadonlyMap<string, ScoreInfo> = new Map(),
    private readonly named: Readonly<Record<string, Json>> = {},
    private readonly sections: ReadonlySet<string> = EMPTY,
  ) {}

  private fail(pointer: string, message: string, code: string): Condition {
    this.problems.push({ pointer, message, code });
    return inert();
  }

  compile(expr: Json, pointer = ""): Condition {
    if (typeof expr === "boolean") return constant(expr);
    if (!isObject(expr)) {
      return this.fail(pointer, `${JSON.stringify(expr)} is not a condition: use true, false or an operator`, "shape");
    }
    const keys = Object.keys(expr);
    if (keys.length !== 1) {
      return this.fail(pointer, `a condition has exactly one operator, found: ${keys.sort().join(", ") || "none"}`, "shape");
    }
    const op = keys[0] as string;
    const arg = expr[op];
    const here = joinPointer(pointer, op);
    if (op === "all" || op === "any") return this.junction(op, arg, here);
    if (op === "not") return this.not(arg, here);
    if ((COMPARISON_OPS as readonly string[]).includes(op)) return this.comparison(op as ComparisonOp, arg, here);
    if (op === "in") return this.in(arg, here);
    if (op === "includes" || op === "includes_any" || op === "includes_all") return this.includes(op, arg, here);
    if (op === "answered") return this.answered(arg, here);
    if (op === "condition") return this.namedRef(arg, here);
    if (op === "count" || op === "score" || op === "var") {
      return this.fail(pointer, `'${op}' is a value, not a condition: compare it`, "shape");
    }
    return this.fail(pointer, `unknown operator '${op}'; expected one of: ${OPERATORS.join(", ")}`, "unknown_operator");
  }

  private junction(op: "all" | "any", arg: Json, here: string): Condition {
    if (!Array.isArray(arg) || arg.length === 0) {
      return this.fail(here, `'${op}' takes a non-empty list of conditions`, "arity");
    }
    const children = arg.map((c, i) => this.compile(c, joinPointer(here, i)));
    const reads = union(children.map((c) => c.reads));
    const scores = union(children.map((c) => c.scores));
    const absorbing = op === "any"; // the value that decides the junction on its own
    if (children.some((c) => c.const === absorbing)) return constant(absorbing, reads, scores);
    const live = children.filter((c) => c.const === null).map((c) => c.fn);
    if (live.length === 0) return constant(!absorbing, reads, scores);
    if (live.length === 1) return { fn: live[0] as CondFn, reads, scores, const: null };
    const fn: CondFn = (env) => {
      let unknown = false;
      for (const f of live) {
        const v = f(env);
        if (v === absorbing) return absorbing;
        if (v === null) unknown = true;
      }
      return unknown ? null : !absorbing;
    };
    return { fn, reads, scores, const: null };
  }

  private not(arg: Json, here: string): Condition {
    const child = this.compile(arg, here);
    if (child.const !== null) return constant(!child.const, child.reads, child.scores);
    const inner = child.fn;
    return {
      fn: (env) => {
        const v = inner(env);
        return v === null ? null : !v;
      },
      reads: child.reads,
      scores: child.scores,
      const: null,
    };
  }

  private namedRef(arg: Json, here: string): Condition {
    if (typeof arg !== "string") return this.fail(here, "a named condition is referenced by its name", "shape");
    if (!Object.hasOwn(this.named, arg)) return this.fail(here, `unknown named condition '${arg}'`, "unknown_condition");
    const done = this.compiledNames.get(arg);
    if (done) return done;
    if (this.stack.includes(arg)) {
      const cycle = [...this.stack.slice(this.stack.indexOf(arg)), arg].join(" -> ");
      return this.fail(here, `named conditions form a cycle: ${cycle}`, "cycle");
    }
    this.stack.push(arg);
    let body: Condition;
    try {
      body = this.compile(this.named[arg], joinPointer("/conditions", arg));
    } finally {
      this.stack.pop();
    }
    const compiled = memoised(body);
    this.compiledNames.set(arg, compiled);
    return compiled;
  }

  private itemRef(itemId: Json, here: string): [string, ItemInfo] | null {
    if (typeof itemId !== "string") {
      this.problems.push({ pointer: here, message: "an item id is a string", code: "shape" });
      return null;
    }
    const info = this.items.get(itemId);
    if (!info) {
      const message = this.sections.has(itemId) ? `'${itemId}' is a section, not an item` : `unknown item '${itemId}'`;
      this.problems.push({ pointer: here, message, code: "unknown_item" });
      return null;
    }
    if (info.type === "display") {
      this.problems.push({ pointer: here, message: `'${itemId}' is a display item and is never answered`, code: "item_type" });
      return null;
    }
    return [itemId, info];
  }

  private variable(arg: Json, here: string): [string, ItemInfo] | null {
    if (!(isObject(arg) && Object.keys(arg).length === 1 && "var" in arg)) {
      this.problems.push({ pointer: here, message: 'expected {"var": "<item id>"} on the left', code: "shape" });
      return null;
    }
    return this.itemRef(arg.var, joinPointer(here, "var"));
  }

  private pair(op: string, arg: Json, here: string): [Json, Json] | null {
    if (!Array.isArray(arg) || arg.length !== 2) {
      this.problems.push({ pointer: here, message: `'${op}' takes a list of exactly 2`, code: "arity" });
      return null;
    }
    return [arg[0], arg[1]];
  }

  private comparison(op: ComparisonOp, arg: Json, here: string): Condition {
    const pair = this.pair(op, arg, here);
    if (!pair) return inert();
    const [left, right] = pair;
    if (isObject(left) && Object.keys(left).length === 1 && ("count" in left || "score" in left)) {
      return this.numberComparison(op, left, right, here);
    }
    const ref = this.variable(left, joinPointer(here, 0));
    if (!ref) return inert();
    const [itemId, info] = ref;
    if (!(COMPARABLE[info.type] ?? []).includes(op)) {
      return this.fail(here, `'${op}' cannot be used on a ${info.type} item ('${itemId}')`, "item_type");
    }
    const rhs = joinPointer(here, 1);
    const problem = literalProblem(info.type, right);
    if (problem !== null) return this.fail(rhs, problem, "literal_type");
    if (info.type === "single_choice" && !info.options?.has(right as string)) {
      return this.fail(rhs, `'${String(right)}' is not an option of '${itemId}'`, "unknown_option");
    }
    const fn: CondFn = (env) => {
      const v = env.facts.get(itemId);
      return v === undefined || v === null ? null : compare(op, v, right);
    };
    return { fn, reads: new Set([itemId]), scores: EMPTY, const: null };
  }

  private in(arg: Json, here: string): Condition {
    const pair = this.pair("in", arg, here);
    if (!pair) return inert();
    const [left, right] = pair;
    const ref = this.variable(left, joinPointer(here, 0));
    if (!ref) return inert();
    const [itemId, info] = ref;
    if (!IN_TYPES.has(info.type)) {
      return this.fail(here, `'in' cannot be used on a ${info.type} item ('${itemId}')`, "item_type");
    }
    const rhs = joinPointer(here, 1);
    if (!Array.isArray(right) || right.length === 0) {
      return this.fail(rhs, "'in' takes a non-empty list of literals", "arity");
    }
    let ok = true;
    for (const [i, lit] of (right as unknown[]).entries()) {
      let problem = literalProblem(info.type, lit);
      if (problem === null && info.type === "single_choice" && !info.options?.has(lit as string)) {
        problem = `'${String(lit)}' is not an option of '${itemId}'`;
      }
      if (problem !== null) {
        const code = problem.includes("literal") ? "literal_type" : "unknown_option";
        this.problems.push({ pointer: joinPointer(rhs, i), message: problem, code });
        ok = false;
      }
    }
    if (!ok) return inert();
    const values = new Set<unknown>(right);
    const fn: CondFn = (env) => {
      const v = env.facts.get(itemId);
      return v === undefined || v === null ? null : values.has(v);
    };
    return { fn, reads: new Set([itemId]), scores: EMPTY, const: null };
  }

  private includes(op: "includes" | "includes_any" | "includes_all", arg: Json, here: string): Condition {
    const pair = this.pair(op, arg, here);
    if (!pair) return inert();
    const [left, right] = pair;
    const ref = this.variable(left, joinPointer(here, 0));
    if (!ref) return inert();
    const [itemId, info] = ref;
    if (info.type !== "multi_choice") {
      return this.fail(here, `'${op}' needs a multi_choice item, '${itemId}' is ${info.type}`, "item_type");
    }
    const rhs = joinPointer(here, 1);
    let codes: unknown[];
    let pointers: string[];
    if (op === "includes") {
      codes = [right];
      pointers = [rhs];
    } else if (Array.isArray(right) && right.length > 0) {
      codes = right;
      pointers = right.map((_, i) => joinPointer(rhs, i));
    } else {
      return this.fail(rhs, `'${op}' takes a non-empty list of option codes`, "arity");
    }
    let ok = true;
    for (const [i, code] of codes.entries()) {
      const ptr = pointers[i] ?? rhs;
      if (typeof code !== "string") {
        this.problems.push({ pointer: ptr, message: `${JSON.stringify(code)} is not an option code`, code: "literal_type" });
        ok = false;
      } else if (!info.options?.has(code)) {
        this.problems.push({ pointer: ptr, message: `'${code}' is not an option of '${itemId}'`, code: "unknown_option" });
        ok = false;
      }
    }
    if (!ok) return inert();
    const wanted = [...new Set(codes as string[])];
    const reads = new Set([itemId]);
    if (op === "includes_all" && wanted.length > 1 && wanted.some((c) => info.exclusive?.has(c))) {
      // An exclusive option is never selected together with another one.
      return constant(false, reads);
    }
    const has = (v: unknown, code: string) => Array.isArray(v) && v.includes(code);
    let fn: CondFn;
    if (op === "includes") {
      const only = wanted[0] as string;
      fn = (env) => {
        const v = env.facts.get(itemId);
        return v === undefined || v === null ? null : has(v, only);
      };
    } else if (op === "includes_any") {
      fn = (env) => {
        const v = env.facts.get(itemId);
        return v === undefined || v === null ? null : wanted.some((c) => has(v, c));
      };
    } else {
      fn = (env) => {
        const v = env.facts.get(itemId);
        return v === undefined || v === null ? null : wanted.every((c) => has(v, c));
      };
    }
    return { fn, reads, scores: EMPTY, const: null };
  }

  private answered(arg: Json, here: string): Condition {
    const ref = this.itemRef(arg, here);
    if (!ref) return inert();
    const itemId = ref[0];
    return { fn: (env) => env.facts.has(itemId), reads: new Set([itemId]), scores: EMPTY, const: null };
  }

  private number(expr: Record<string, Json>, here: string): NumberExpr | null {
    const op = Object.keys(expr)[0] as string;
    const arg = expr[op];
    const inner = joinPointer(here, op);
    if (op === "score") {
      const info = typeof arg === "string" ? this.scores.get(arg) : undefined;
      if (typeof arg !== "string" || !info) {
        this.problems.push({ pointer: inner, message: `unknown score ${JSON.stringify(arg)}`, code: "unknown_score" });
        return null;
      }
      return {
        fn: (env) => env.ranges.get(arg) ?? info.static,
        static: info.static,
        integral: info.integral,
        reads: EMPTY,
        scores: new Set([arg]),
      };
    }
    if (!Array.isArray(arg) || arg.length === 0) {
      this.problems.push({ pointer: inner, message: "'count' takes a non-empty list", code: "arity" });
      return null;
    }
    const children = arg.map((c, i) => this.compile(c, joinPointer(inner, i)));
    const base = children.filter((c) => c.const === true).length;
    const live = children.filter((c) => c.const === null).map((c) => c.fn);
    return {
      fn: (env) => {
        let t = base;
        let u = 0;
        for (const f of live) {
          const v = f(env);
          if (v === true) t += 1;
          else if (v === null) u += 1;
        }
        return [t, t + u];
      },
      static: [base, base + live.length],
      integral: true,
      reads: union(children.map((c) => c.reads)),
      scores: union(children.map((c) => c.scores)),
    };
  }

  private numberComparison(op: ComparisonOp, left: Record<string, Json>, right: Json, here: string): Condition {
    const num = this.number(left, joinPointer(here, 0));
    const rhs = joinPointer(here, 1);
    if (!isNumber(right)) return this.fail(rhs, `${JSON.stringify(right)} is not a number literal`, "literal_type");
    if (!num) return inert();
    const k = right;
    const { integral } = num;
    const [lo, hi] = num.static;
    const fixed = decide(op, lo, hi, k, integral);
    if (fixed !== null) return constant(fixed, num.reads, num.scores);
    const nfn = num.fn;
    const fn: CondFn = (env) => {
      const [a, b] = nfn(env);
      return a === b ? compare(op, a, k) : decide(op, a, b, k, integral);
    };
    return { fn, reads: num.reads, scores: num.scores, const: null };
  }
}
