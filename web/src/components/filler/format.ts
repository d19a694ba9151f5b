import { optionsOf, type QDocument, type QItem } from "@/lib/conditions/questionnaire";
import { t } from "@/lib/strings";

/** An answer as a person reads it: option labels, Yes/No, or the value. */
export function formatAnswer(doc: QDocument, item: QItem | undefined, v: unknown): string {
  if (v === null || v === undefined) return t.filler.unanswered;
  if (item?.type === "boolean") return v === true ? t.common.yes : t.common.no;
  const labels = new Map((item ? optionsOf(doc, item) : []).map((o) => [o.code, o.label ?? o.code]));
  const one = (x: unknown) => (typeof x === "string" ? (labels.get(x) ?? x) : JSON.stringify(x));
  return Array.isArray(v) ? v.map(one).join(", ") : one(v);
}
