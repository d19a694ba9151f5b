import { tone } from "@/lib/theme";
import { Alert, Anchor, Badge, Button, Group, Modal, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, type ReactNode } from "react";
import { compileQuestionnaire, settle, type QDocument } from "@/lib/conditions/questionnaire";
import { formatAnswer } from "./format";
import { t } from "@/lib/strings";
import classes from "./Filler.module.css";
import { ItemField, itemAnchor } from "./ItemField";
import { useAutosave, type Answers, type SaveFn, type SaveStatus } from "./useAutosave";

export interface FillerProps {
  doc: QDocument;
  /** Local storage key of this draft's unsaved answers. */
  storageKey: string;
  initialAnswers: Answers;
  initialEtag: string;
  save: SaveFn;
  onSaved?: () => void;
  readOnly?: boolean;
  /** Reviewer comments by item id. */
  comments?: Record<string, string>;
  /** The side panel (e.g. the live preview). */
  side?: ReactNode;
  /** Below the questions (e.g. submit), given whether unsaved changes remain. */
  footer?: (state: { status: SaveStatus; flush: () => Promise<void>; hasPending: () => boolean }) => ReactNode;
}

const STATUS_COLOR: Record<SaveStatus, string> = {
  saved: tone.ok,
  pending: "gray.7",
  saving: "blue.8",
  offline: tone.offline,
  error: tone.severe,
  conflict: tone.severe,
};

function statusText(s: SaveStatus): string {
  return { saved: t.filler.saved, pending: t.filler.unsaved, saving: t.filler.saving, offline: t.filler.offline, error: t.filler.error, conflict: t.filler.conflictTitle }[s];
}

export function focusQuestion(id: string) {
  const el = document.getElementById(itemAnchor(id));
  if (!el) return;
  el.scrollIntoView({ block: "start" });
  const input = el.querySelector<HTMLElement>("input, textarea, select");
  (input ?? el).focus();
}

/**
 * Fills any questionnaire from its JSON: every item type, sections with progress, visibility by
 * the TypeScript condition engine, autosave with conflict handling, answers kept offline.
 */
export function QuestionnaireFiller(props: FillerProps) {
  const { doc, readOnly, comments = {}, side, footer } = props;
  const program = useMemo(() => compileQuestionnaire(doc), [doc]);
  const auto = useAutosave({
    storageKey: props.storageKey,
    initialAnswers: props.initialAnswers,
    initialEtag: props.initialEtag,
    save: props.save,
    ...(props.onSaved ? { onSaved: props.onSaved } : {}),
  });
  const { answers, setAnswer, status, errors, conflict, resolve, restored } = auto;
  const visibility = useMemo(() => settle(program, answers), [program, answers]);
  useEffect(() => {
    performance.mark("filler-interactive");
  }, []);
  const onChange = useCallback((id: string, value: unknown) => { setAnswer(id, value); }, [setAnswer]);

  const sections = doc.sections
    .map((s) => {
      const items = s.items.filter((i) => visibility.items.get(i.id) === true);
      const questions = items.filter((i) => i.type !== "display");
      const answered = questions.filter((i) => visibility.facts.has(i.id)).length;
      return { section: s, items, questions: questions.length, answered };
    })
    .filter((s) => s.questions > 0);
  const total = sections.reduce((a, s) => a + s.questions, 0);
  const answered = sections.reduce((a, s) => a + s.answered, 0);

  return (
    <div className={classes.layout}>
      <nav aria-label={t.filler.sections} className={classes.sticky}>
        <Stack gap="xs">
          <Text size="sm" fw={700} id="filler-progress-label">
            {t.filler.progress(answered, total)}
          </Text>
          <Progress.Root>
            <Progress.Section value={total ? (100 * answered) / total : 0} aria-labelledby="filler-progress-label" />
          </Progress.Root>
          {sections.map(({ section, questions, answered: a }) => (
            <Anchor key={section.id} href={`#section-${section.id}`} size="sm" onClick={(e) => {
              e.preventDefault();
              const el = document.getElementById(`section-${section.id}`);
              el?.scrollIntoView();
              el?.focus();
            }}>
              <Group justify="space-between" wrap="nowrap" gap={4}>
                <span>{section.title}</span>
                <Badge size="xs" style={{ flexShrink: 0 }} variant={a === questions ? "filled" : "outline"} color={a === questions ? tone.ok : "gray.7"}>
                  {t.filler.sectionProgress(a, questions)}
                </Badge>
              </Group>
            </Anchor>
          ))}
        </Stack>
      </nav>
      <div>
        <Group justify="space-between" mb="sm">
          <Title order={1} size="h2">
            {doc.title}
          </Title>
          <Badge color={STATUS_COLOR[status]} variant="filled" size="lg" role="status" aria-live="polite" data-testid="save-status" data-status={status} tt="none">
            {status === "offline" ? t.filler.unsaved : statusText(status)}
          </Badge>
        </Group>
        {status === "offline" && (
          <Alert color={tone.offline} role="alert" mb="sm">
            {t.filler.offline}
          </Alert>
        )}
        {restored > 0 && (
          <Alert color="blue.8" mb="sm" data-testid="restored">
            {t.filler.restored(restored)}
          </Alert>
        )}
        {readOnly && (
          <Alert mb="sm" variant="default">
            {t.filler.readOnly}
          </Alert>
        )}
        {sections.map(({ section, items }) => (
          <section key={section.id} id={`section-${section.id}`} className={classes.section} aria-labelledby={`section-${section.id}-title`} tabIndex={-1}>
            <Title order={2} size="h3" mt="lg" id={`section-${section.id}-title`}>
              {section.title}
            </Title>
            {section.description && <Text c="dimmed" size="sm">{section.description}</Text>}
            {items.map((item) => (
              <ItemField
                key={item.id}
                doc={doc}
                item={item}
                value={answers[item.id]}
                error={errors[item.id]}
                comment={comments[item.id]}
                readOnly={readOnly}
                onChange={onChange}
              />
            ))}
          </section>
        ))}
        {footer?.({ status, flush: auto.flush, hasPending: auto.hasPending })}
      </div>
      <aside className={classes.sticky} aria-label={t.preview.title} tabIndex={0}>
        {side}
      </aside>
      <Modal opened={!!conflict} onClose={() => {}} withCloseButton={false} closeOnClickOutside={false} closeOnEscape={false} title={t.filler.conflictTitle} size="lg">
        {conflict && (
          <Stack>
            <Text>{t.filler.conflictBody}</Text>
            <Table aria-label={t.filler.conflictTitle}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t.filler.question}</Table.Th>
                  <Table.Th>{t.filler.mine}</Table.Th>
                  <Table.Th>{t.filler.theirs}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {Object.entries(conflict.mine).map(([id, mine]) => {
                  const item = program.items.get(id);
                  return (
                    <Table.Tr key={id}>
                      <Table.Td>{item?.text ?? id}</Table.Td>
                      <Table.Td>{formatAnswer(doc, item, mine)}</Table.Td>
                      <Table.Td>{formatAnswer(doc, item, conflict.theirs[id])}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => { resolve(false); }}>
                {t.filler.takeTheirs}
              </Button>
              <Button onClick={() => { resolve(true); }} data-autofocus>
                {t.filler.keepMine}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </div>
  );
}
