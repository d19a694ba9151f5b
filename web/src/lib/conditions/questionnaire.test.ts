import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileQuestionnaire, settle, type QDocument } from "./questionnaire";

const root = new URL("../../../../questionnaires/", import.meta.url);
const files = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !["schema", "controls"].includes(d.name))
  .flatMap((d) =>
    readdirSync(new URL(`${d.name}/`, root))
      .filter((f) => /^\d+\.\d+\.\d+\.json$/.test(f))
      .map((f) => `${d.name}/${f}`),
  );

describe("every questionnaire of the repository", () => {
  it.each(files)("%s compiles without problems", (file) => {
    const doc = JSON.parse(readFileSync(new URL(file, root), "utf8")) as QDocument;
    const program = compileQuestionnaire(doc);
    expect(program.problems).toEqual([]);
    expect(program.plan.length).toBeGreaterThan(program.items.size);
  });
});

const doc: QDocument = {
  key: "t",
  version: "1.0.0",
  title: "t",
  conditions: { yes: { "==": [{ var: "gate" }, true] } },
  sections: [
    { id: "first", items: [{ id: "gate", type: "boolean" }, { id: "later", type: "integer", enable_when: { condition: "yes" } }] },
    {
      id: "second",
      enable_when: { ">=": [{ var: "later" }, 2] },
      items: [
        { id: "inner", type: "string" },
        { id: "never", type: "boolean", enable_when: { "==": [{ var: "gate" }, false] } },
      ],
    },
  ],
};

describe("settle", () => {
  const program = compileQuestionnaire(doc);
  it("leaves dependants undetermined until their inputs are answered", () => {
    const v = settle(program, {});
    expect(v.items.get("gate")).toBe(true);
    expect(v.items.get("later")).toBe(null);
    expect(v.sections.get("second")).toBe(null);
    expect(v.items.get("inner")).toBe(null);
    expect(v.items.get("never")).toBe(null);
  });
  it("disables a section's items when the section is disabled, whatever they say", () => {
    const v = settle(program, { gate: true, later: 1, inner: "kept but ignored" });
    expect(v.sections.get("second")).toBe(false);
    expect(v.items.get("inner")).toBe(false);
    expect(v.facts.has("inner")).toBe(false);
  });
  it("enables and reads only enabled answers", () => {
    const v = settle(program, { gate: true, later: 3, inner: "x" });
    expect(v.items.get("inner")).toBe(true);
    expect(v.items.get("never")).toBe(false);
    expect(v.facts.get("inner")).toBe("x");
    const off = settle(program, { gate: false, later: 3 });
    expect(off.items.get("later")).toBe(false);
    expect(off.facts.has("later")).toBe(false);
    expect(off.sections.get("second")).toBe(null);
  });
});

describe("an option that answers 'we do not know'", () => {
  const unsure: QDocument = {
    key: "u",
    version: "1.0.0",
    title: "u",
    sections: [
      {
        id: "only",
        items: [
          {
            id: "kind",
            type: "single_choice",
            options: [{ code: "public" }, { code: "private" }, { code: "dont_know", unknown: true }],
          },
          { id: "asked_if_answered", type: "boolean", enable_when: { answered: "kind" } },
          { id: "asked_unless_public", type: "boolean", enable_when: { "!=": [{ var: "kind" }, "public"] } },
        ],
      },
    ],
  };
  const program = compileQuestionnaire(unsure);
  it("is read by conditions as unanswered, as the server reads it", () => {
    const v = settle(program, { kind: "dont_know" });
    expect(v.facts.has("kind")).toBe(false);
    expect(v.items.get("asked_if_answered")).toBe(false);
    expect(v.items.get("asked_unless_public")).toBe(null);
    const known = settle(program, { kind: "private" });
    expect(known.items.get("asked_if_answered")).toBe(true);
    expect(known.items.get("asked_unless_public")).toBe(true);
  });
  it("is not a code a condition may compare with", () => {
    const naming = compileQuestionnaire({
      ...unsure,
      sections: [
        {
          id: "only",
          items: [
            ...(unsure.sections[0]?.items ?? []),
            { id: "bad", type: "boolean", enable_when: { "==": [{ var: "kind" }, "dont_know"] } },
          ],
        },
      ],
    });
    expect(naming.problems.length).toBeGreaterThan(0);
  });
});
