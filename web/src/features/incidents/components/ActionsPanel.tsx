import { Button, Card, Checkbox, Group, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import { fieldErrors, useUpdateIncident, type CorrectiveAction } from "../api/incidents";

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
  const index = actions.length;
  const server = fieldErrors(update.error);
  const error = (field: string) => missing[field] || server[`corrective_actions/${String(index)}/${field}`] || undefined;
  const save = (next: CorrectiveAction[], after?: () => void) => {
    update.mutate({ body: { corrective_actions: next }, etag }, { onSuccess: after });
  };
  return (
    <Card withBorder>
      <Stack>
        <Title order={2}>{t.incidents.actions}</Title>
        {actions.length === 0 ? (
          <Text size="sm">{t.incidents.noActions}</Text>
        ) : (
          <Table aria-label={t.incidents.actions}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.incidents.action}</Table.Th>
                <Table.Th>{t.incidents.owner}</Table.Th>
                <Table.Th>{t.incidents.dueOn}</Table.Th>
                <Table.Th>{t.incidents.done}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {actions.map((a, i) => (
                <Table.Tr key={i}>
                  <Table.Td>{a.action}</Table.Td>
                  <Table.Td>{a.owner}</Table.Td>
                  <Table.Td>{a.due_on ?? "—"}</Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`${t.incidents.done}: ${a.action}`}
                      checked={a.done}
                      disabled={!canWrite || update.isPending}
                      onChange={(e) => {
                        const done = e.currentTarget.checked;
                        save(actions.map((x, j) => (j === i ? { ...x, done } : x)));
                      }}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {canWrite && (
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
        )}
        <ProblemAlert error={update.error && Object.keys(server).length === 0 ? update.error : null} />
      </Stack>
    </Card>
  );
}
