import { Button, Checkbox, Group, TextInput } from "@mantine/core";
import { useState } from "react";
import { t } from "@/lib/strings";
import { fieldErrors, useUpdateIncident, type CorrectiveAction } from "../api/incidents";
import { ListPanel } from "./ListPanel";

interface Props {
  incidentId: string;
  actions: CorrectiveAction[];
  etag: string;
  canWrite: boolean;
}

/** Corrective actions with owners: add one, tick it done; each change is one If-Match write. */
export function ActionsPanel({ incidentId, actions, etag, canWrite }: Props) {
  const update = useUpdateIncident(incidentId);
  const [draft, setDraft] = useState({ action: "", owner: "", due_on: "" });
  const [missing, setMissing] = useState<Record<string, string>>({});
  const server = fieldErrors(update.error);
  const error = (field: string) => missing[field] || server[`corrective_actions/${String(actions.length)}/${field}`] || undefined;
  const save = (next: CorrectiveAction[], after?: () => void) => {
    update.mutate({ body: { corrective_actions: next }, etag }, { onSuccess: after });
  };
  const rows = actions.map((a, i) => [
    a.action,
    a.owner,
    a.due_on ?? "—",
    <Checkbox
      key="done"
      aria-label={`${t.incidents.done}: ${a.action}`}
      checked={a.done}
      disabled={!canWrite || update.isPending}
      onChange={(e) => {
        const done = e.currentTarget.checked;
        save(actions.map((x, j) => (j === i ? { ...x, done } : x)));
      }}
    />,
  ]);
  const form = canWrite && (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const found: Record<string, string> = {};
        if (!draft.action.trim()) found.action = "Say what will be done.";
        if (!draft.owner.trim()) found.owner = "Who owns it?";
        setMissing(found);
        if (Object.keys(found).length) return;
        const added: CorrectiveAction = { action: draft.action.trim(), owner: draft.owner.trim(), due_on: draft.due_on || null, done: false };
        save([...actions, added], () => { setDraft({ action: "", owner: "", due_on: "" }); });
      }}
    >
      <Group align="start" grow>
        <TextInput label={t.incidents.action} value={draft.action} error={error("action")} onChange={(e) => { setDraft({ ...draft, action: e.currentTarget.value }); }} />
        <TextInput label={t.incidents.owner} value={draft.owner} error={error("owner")} onChange={(e) => { setDraft({ ...draft, owner: e.currentTarget.value }); }} />
        <TextInput type="date" label={t.incidents.dueOn} value={draft.due_on} error={error("due_on")} onChange={(e) => { setDraft({ ...draft, due_on: e.currentTarget.value }); }} />
      </Group>
      <Button type="submit" variant="default" mt="sm" loading={update.isPending}>
        {t.incidents.addAction}
      </Button>
    </form>
  );
  return (
    <ListPanel
      title={t.incidents.actions}
      empty={t.incidents.noActions}
      headers={[t.incidents.action, t.incidents.owner, t.incidents.dueOn, t.incidents.done]}
      rows={rows}
      form={form}
      error={update.error && Object.keys(server).length === 0 ? update.error : null}
    />
  );
}
