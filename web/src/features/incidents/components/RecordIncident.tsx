import { Button, Group, Modal, NativeSelect, Stack, TagsInput, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import { fieldErrors, toCreate, useRecordIncident, validateIncident, type FieldErrors, type Incident, type IncidentForm } from "../api/incidents";

interface Props {
  opened: boolean;
  onClose: () => void;
  onRecorded: (incident: Incident) => void;
  systems: { id: string; name: string }[];
  systemId?: string;
}

const EMPTY: IncidentForm = { system_id: "", title: "", description: "", occurred_at: "", aware_at: "", affected: "", people_involved: [] };

/** Record an incident: the form checks what it can, and shows the server's refusals on the same fields. */
export function RecordIncident({ opened, onClose, onRecorded, systems, systemId }: Props) {
  const record = useRecordIncident();
  const [form, setForm] = useState<IncidentForm>({ ...EMPTY, system_id: systemId ?? "" });
  const [local, setLocal] = useState<FieldErrors>({});
  const server = fieldErrors(record.error);
  const errors = { ...server, ...local };
  const set = <K extends keyof IncidentForm>(k: K, v: IncidentForm[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setLocal((e) => ({ ...e, [k]: "" }));
  };
  const text = (k: keyof IncidentForm) => ({
    value: form[k] as string,
    error: errors[k] || undefined,
    onChange: (e: { currentTarget: { value: string } }) => { set(k, e.currentTarget.value); },
  });
  // Problems the fields cannot show (another pointer, or none) stay in the alert.
  const shown = new Set(["system_id", "title", "description", "occurred_at", "aware_at", "affected"]);
  const unplaced = record.error && Object.keys(server).every((k) => !shown.has(k)) ? record.error : null;
  return (
    <Modal opened={opened} onClose={onClose} title={t.incidents.record} size="lg" closeButtonProps={{ "aria-label": t.common.close }}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const found = validateIncident(form);
          setLocal(found);
          if (Object.keys(found).length) return;
          record.reset();
          record.mutate(toCreate(form), { onSuccess: onRecorded });
        }}
      >
        <Stack>
          <Text size="sm">{t.incidents.recordHelp}</Text>
          <ProblemAlert error={unplaced} />
          <NativeSelect
            label={t.incidents.system}
            required
            data={[{ value: "", label: "—" }, ...systems.map((s) => ({ value: s.id, label: s.name }))]}
            {...text("system_id")}
          />
          <TextInput label={t.incidents.titleField} required data-autofocus {...text("title")} />
          <Textarea label={t.incidents.description} required autosize minRows={3} {...text("description")} />
          <Group grow align="start">
            <TextInput type="datetime-local" label={t.incidents.occurredAt} required {...text("occurred_at")} />
            <TextInput type="datetime-local" label={t.incidents.awareAt} description={t.incidents.awareHelp} {...text("aware_at")} />
          </Group>
          <Textarea label={t.incidents.affected} required {...text("affected")} />
          <TagsInput label={t.incidents.people} value={form.people_involved} onChange={(v) => { set("people_involved", v); }} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t.common.cancel}
            </Button>
            <Button type="submit" loading={record.isPending}>
              {t.incidents.record}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
