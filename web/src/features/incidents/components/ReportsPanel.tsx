import { Button, Group, NativeSelect, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { t } from "@/lib/strings";
import { fieldErrors, useUpdateIncident, utcMoment, type Clock, type ReportSent } from "../api/incidents";
import { formatMoment } from "../routes/Incidents";
import { ListPanel } from "./ListPanel";

interface Props {
  incidentId: string;
  reports: ReportSent[];
  clocks: Clock[];
  etag: string;
  canWrite: boolean;
}

const EMPTY = { recipient: "", sent_at: "", clock_id: "", copy_text: "" };

/** The reports sent: to whom, when, which deadline each meets, and a copy of what was sent. */
export function ReportsPanel({ incidentId, reports, clocks, etag, canWrite }: Props) {
  const update = useUpdateIncident(incidentId);
  const [draft, setDraft] = useState(EMPTY);
  const [local, setLocal] = useState<Record<string, string>>({});
  const server = fieldErrors(update.error);
  const index = reports.length;
  const error = (field: string) => local[field] || server[`reports/${String(index)}/${field}`] || undefined;
  const regimeOf = new Map(clocks.map((c) => [c.id, `${c.regime}: ${c.recipient}`]));
  const rows = reports.map((r) => [
    r.recipient,
    formatMoment(r.sent_at),
    r.clock_id ? (regimeOf.get(r.clock_id) ?? r.clock_id) : t.incidents.noClock,
    <Text key="copy" size="sm" lineClamp={3}>
      {r.copy_text}
    </Text>,
  ]);
  const form = canWrite && (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const sent = utcMoment(draft.sent_at);
        const found: Record<string, string> = {};
        if (!draft.recipient.trim()) found.recipient = "To whom was it sent?";
        if (!sent) found.sent_at = "When was it sent?";
        else if (new Date(sent) > new Date()) found.sent_at = "is in the future";
        if (!draft.copy_text.trim()) found.copy_text = "Paste a copy of what was sent.";
        setLocal(found);
        if (Object.keys(found).length || !sent) return;
        const added: ReportSent = { recipient: draft.recipient.trim(), sent_at: sent, clock_id: draft.clock_id || null, copy_text: draft.copy_text.trim() };
        update.mutate({ body: { reports: [...reports, added] }, etag }, { onSuccess: () => { setDraft(EMPTY); } });
      }}
    >
      <Stack gap="sm">
        <Group align="start" grow>
          <TextInput label={t.incidents.recipientField} value={draft.recipient} error={error("recipient")} onChange={(e) => { setDraft({ ...draft, recipient: e.currentTarget.value }); }} />
          <TextInput type="datetime-local" label={t.incidents.sentAt} value={draft.sent_at} error={error("sent_at")} onChange={(e) => { setDraft({ ...draft, sent_at: e.currentTarget.value }); }} />
          <NativeSelect
            label={t.incidents.clock}
            value={draft.clock_id}
            data={[{ value: "", label: t.incidents.noClock }, ...clocks.map((c) => ({ value: c.id, label: `${c.regime}: ${c.recipient}` }))]}
            onChange={(e) => { setDraft({ ...draft, clock_id: e.currentTarget.value }); }}
          />
        </Group>
        <Textarea label={t.incidents.copy} value={draft.copy_text} error={error("copy_text")} onChange={(e) => { setDraft({ ...draft, copy_text: e.currentTarget.value }); }} />
        <Button type="submit" variant="default" w="fit-content" loading={update.isPending}>
          {t.incidents.addReport}
        </Button>
      </Stack>
    </form>
  );
  return (
    <ListPanel
      title={t.incidents.reports}
      empty={t.incidents.noReports}
      headers={[t.incidents.recipientField, t.incidents.sentAt, t.incidents.clock, t.incidents.copy]}
      rows={rows}
      form={form}
      error={update.error && Object.keys(server).length === 0 ? update.error : null}
    />
  );
}
