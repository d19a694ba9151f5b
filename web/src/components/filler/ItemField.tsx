import { tone } from "@/lib/theme";
import { Alert, Anchor, Badge, Checkbox, Group, NumberInput, Radio, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { memo } from "react";
import { optionsOf, type QDocument, type QItem } from "@/lib/conditions/questionnaire";
import { t } from "@/lib/strings";
import classes from "./Filler.module.css";

export interface ItemFieldProps {
  doc: QDocument;
  item: QItem;
  value: unknown;
  error?: string | undefined;
  comment?: string | undefined;
  readOnly?: boolean | undefined;
  onChange: (id: string, value: unknown) => void;
}

export function itemAnchor(id: string) {
  return `q-${id}`;
}

/** One question: its input by item type, help text, citations, problems and reviewer comments. */
export const ItemField = memo(function ItemField({ doc, item, value, error, comment, readOnly, onChange }: ItemFieldProps) {
  const anchor = itemAnchor(item.id);
  if (item.type === "display") {
    return (
      <div id={anchor} className={classes.display}>
        <Text>{item.text}</Text>
      </div>
    );
  }
  const helpId = `${anchor}-help`;
  const errorId = `${anchor}-error`;
  const describedBy = [item.help ? helpId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  const label = (
    <>
      {item.text}
      {item.required && (
        <span className={classes.required} aria-label={t.filler.required}>
          {" "}*
        </span>
      )}
    </>
  );
  const set = (v: unknown) => {
    onChange(item.id, v);
  };
  const options = optionsOf(doc, item);
  let input;
  switch (item.type) {
    case "boolean":
    case "single_choice": {
      const choices = item.type === "boolean" ? [{ code: "true", label: t.common.yes }, { code: "false", label: t.common.no }] : options;
      input = (
        <Radio.Group
          label={label}
          value={typeof value === "boolean" || typeof value === "string" ? String(value) : null}
          onChange={(v) => { set(item.type === "boolean" ? v === "true" : v); }}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
          readOnly={readOnly}
        >
          <Stack gap={6} mt={6}>
            {choices.map((o) => (
              <Radio key={o.code} value={o.code} label={o.label ?? o.code} description={"help" in o ? o.help : undefined} disabled={readOnly} />
            ))}
          </Stack>
        </Radio.Group>
      );
      break;
    }
    case "multi_choice": {
      const selected = Array.isArray(value) ? (value as string[]) : [];
      const exclusive = new Set(options.filter((o) => o.exclusive).map((o) => o.code));
      input = (
        <Checkbox.Group
          label={label}
          value={selected}
          onChange={(next) => {
            // An exclusive option ("none of these") stands alone.
            const added = next.find((c) => !selected.includes(c));
            if (added && exclusive.has(added)) set([added]);
            else set(next.filter((c) => !exclusive.has(c)));
          }}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
        >
          <Stack gap={6} mt={6}>
            {options.map((o) => (
              <Checkbox key={o.code} value={o.code} label={o.label ?? o.code} description={o.help} disabled={readOnly} />
            ))}
          </Stack>
        </Checkbox.Group>
      );
      break;
    }
    case "integer":
    case "decimal":
      input = (
        <NumberInput
          label={label}
          value={typeof value === "number" ? value : ""}
          onChange={(v) => { set(typeof v === "number" ? v : v === "" ? null : Number(v)); }}
          allowDecimal={item.type === "decimal"}
          min={typeof item.minimum === "number" ? item.minimum : undefined}
          max={typeof item.maximum === "number" ? item.maximum : undefined}
          rightSection={item.unit ? <Text size="xs">{item.unit}</Text> : undefined}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
          readOnly={readOnly}
          w={260}
        />
      );
      break;
    case "date":
      input = (
        <TextInput
          type="date"
          label={label}
          value={typeof value === "string" ? value : ""}
          onChange={(e) => { set(e.currentTarget.value || null); }}
          min={typeof item.minimum === "string" ? item.minimum : undefined}
          max={typeof item.maximum === "string" ? item.maximum : undefined}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
          readOnly={readOnly}
          w={220}
        />
      );
      break;
    case "text":
      input = (
        <Textarea
          label={label}
          autosize
          minRows={3}
          value={typeof value === "string" ? value : ""}
          maxLength={item.max_length ?? 10000}
          onChange={(e) => { set(e.currentTarget.value); }}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
          readOnly={readOnly}
        />
      );
      break;
    default:
      input = (
        <TextInput
          label={label}
          value={typeof value === "string" ? value : ""}
          maxLength={item.max_length ?? 200}
          onChange={(e) => { set(e.currentTarget.value); }}
          aria-describedby={describedBy}
          error={error}
          errorProps={{ id: errorId }}
          readOnly={readOnly}
        />
      );
  }
  const clearable = !readOnly && value !== null && value !== undefined && (item.type === "boolean" || item.type === "single_choice");
  return (
    <div id={anchor} className={classes.question} data-item={item.id} data-invalid={error ? "true" : undefined} tabIndex={-1}>
      {comment && (
        <Alert color={tone.warn} title={t.filler.reviewComment} mb="xs" data-testid={`comment-${item.id}`}>
          <Text size="sm" c="black">{comment}</Text>
        </Alert>
      )}
      {input}
      {item.help && (
        <Text id={helpId} size="sm" c="dimmed" mt={4}>
          {item.help}
        </Text>
      )}
      <Group gap={6} mt={6}>
        {(item.refs ?? []).map((r) => (
          <Badge key={r} variant="outline" color="gray.8" size="sm" tt="none" className={classes.ref}>
            {r}
          </Badge>
        ))}
        {clearable && (
          <Anchor component="button" type="button" size="xs" onClick={() => { set(null); }}>
            {t.filler.clear}
            <span className="visually-hidden">: {item.text}</span>
          </Anchor>
        )}
      </Group>
    </div>
  );
});
