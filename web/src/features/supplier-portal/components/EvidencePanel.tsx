import { tone } from "@/lib/theme";
import { Alert, Button, Group, List, NativeSelect, Stack, Text, Title, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { useId, useRef, useState, type DragEvent } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import type { QDocument } from "@/lib/conditions/questionnaire";
import { formatBytes, t } from "@/lib/strings";
import { EVIDENCE_MAX_BYTES, evidenceTypeOf, useDeleteEvidence, useUploadEvidence, type Evidence } from "../api/portal";
import classes from "./EvidencePanel.module.css";

interface Props {
  doc: QDocument;
  evidence: Evidence[];
  round: number;
  /** Files can be added and removed only while the answers are a draft. */
  editable: boolean;
}

/** Evidence files: drop or choose a file (checked for size and type first), the list, removal. */
export function EvidencePanel({ doc, evidence, round, editable }: Props) {
  const upload = useUploadEvidence();
  const remove = useDeleteEvidence();
  const [itemId, setItemId] = useState("");
  const [refused, setRefused] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const questions = doc.sections.flatMap((s) => s.items).filter((i) => i.type !== "display");
  const textOf = (id: string | null) => (id ? (questions.find((q) => q.id === id)?.text ?? id) : null);

  const send = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    upload.reset();
    const type = evidenceTypeOf(file);
    if (file.size > EVIDENCE_MAX_BYTES) {
      setRefused(t.portal.tooLarge(file.name, formatBytes(file.size), formatBytes(EVIDENCE_MAX_BYTES)));
    } else if (file.size === 0) {
      setRefused(t.portal.emptyFile(file.name));
    } else if (!type) {
      setRefused(t.portal.wrongType(file.name));
    } else {
      setRefused(null);
      upload.mutate({ file, type, itemId: itemId || null });
    }
    if (input.current) input.current.value = "";
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (editable) send(e.dataTransfer.files);
  };

  return (
    <Stack gap="sm" data-testid="evidence">
      <Title order={2} size="h4">
        {t.portal.evidence}
      </Title>
      {editable && (
        <>
          <NativeSelect
            label={t.portal.supports}
            value={itemId}
            onChange={(e) => { setItemId(e.currentTarget.value); }}
            data={[{ value: "", label: t.portal.wholeRequest }, ...questions.map((q) => ({ value: q.id, label: q.text ?? q.id }))]}
          />
          <div
            className={classes.zone}
            data-dragging={dragging || undefined}
            data-testid="dropzone"
            onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
            onDragLeave={() => { setDragging(false); }}
            onDrop={onDrop}
          >
            <Text size="sm">{t.portal.dropHere}</Text>
            <VisuallyHidden>
              <input
                ref={input}
                id={inputId}
                type="file"
                accept={[".pdf", ".png", ".jpg", ".jpeg", ".txt", ".csv", ".docx", ".xlsx", ".json"].join(",")}
                onChange={(e) => { send(e.currentTarget.files); }}
                data-testid="evidence-input"
              />
            </VisuallyHidden>
            <Button component="label" htmlFor={inputId} variant="default" size="xs" mt="xs" loading={upload.isPending}>
              {t.portal.chooseFile}
            </Button>
            <Text size="xs" c="dimmed" mt="xs">
              {t.portal.accepted(formatBytes(EVIDENCE_MAX_BYTES))}
            </Text>
          </div>
          {refused && (
            <Alert color={tone.bad} variant="outline" role="alert" data-testid="evidence-refused">
              {refused}
            </Alert>
          )}
          <ProblemAlert error={upload.error ?? remove.error} />
        </>
      )}
      {evidence.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t.portal.noEvidence}
        </Text>
      ) : (
        <List spacing="xs" size="sm" listStyleType="none" aria-label={t.portal.evidence}>
          {evidence.map((e) => (
            <List.Item key={e.id} data-testid={`evidence-${e.filename}`}>
              <Group gap="xs" justify="space-between" wrap="nowrap">
                <div>
                  <Text size="sm" fw={600}>
                    {e.filename}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {formatBytes(e.size_bytes)} · {textOf(e.item_id) ?? t.portal.wholeRequest}
                  </Text>
                </div>
                {editable && e.round === round && (
                  <UnstyledButton
                    className={classes.remove}
                    aria-label={t.portal.removeFile(e.filename)}
                    onClick={() => { remove.mutate(e.id); }}
                  >
                    {t.portal.remove}
                  </UnstyledButton>
                )}
              </Group>
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
