import { tone } from "@/lib/theme";
import { Alert, Button, Code, Group, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { ProblemAlert } from "@/components/ProblemAlert";
import { t } from "@/lib/strings";
import { useAuditEvents, useVerifyAudit, type AuditFilters } from "../api/admin";

const FILTERS = ["entity_type", "action", "entity_id"] as const;

/** The audit log with filters kept in the URL, and a check of its hash chain. */
export function AuditLog() {
  const [params, setParams] = useSearchParams();
  const filters: AuditFilters = {};
  for (const f of FILTERS) {
    const v = params.get(f);
    if (v) filters[f] = v;
  }
  const events = useAuditEvents(filters);
  const verify = useVerifyAudit();
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])));
  const labels: Record<(typeof FILTERS)[number], string> = { entity_type: t.admin.entityType, action: t.admin.action, entity_id: t.admin.entityId };
  return (
    <Stack>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setParams((p) => {
            for (const f of FILTERS) {
              const v = draft[f]?.trim();
              if (v) p.set(f, v);
              else p.delete(f);
            }
            return p;
          });
        }}
      >
        <Group align="end">
          {FILTERS.map((f) => (
            <TextInput key={f} label={labels[f]} value={draft[f] ?? ""} onChange={(e) => { const v = e.currentTarget.value; setDraft((d) => ({ ...d, [f]: v })); }} />
          ))}
          <Button type="submit" variant="default">
            {t.admin.filter}
          </Button>
          <Button onClick={() => { verify.mutate(); }} loading={verify.isPending}>
            {t.admin.verify}
          </Button>
        </Group>
      </form>
      {verify.data && (
        <Alert color={verify.data.valid ? tone.ok : tone.bad} variant="outline" data-testid="verification" data-valid={verify.data.valid} title={verify.data.valid ? t.admin.chainValid : t.admin.chainBroken}>
          <Text size="sm">{t.admin.checked(verify.data.events)}</Text>
          {verify.data.problem && <Text size="sm">{verify.data.problem}</Text>}
          {verify.data.first_broken_seq !== null && <Text size="sm">{t.admin.firstBroken(verify.data.first_broken_seq)}</Text>}
          <Text size="xs" style={{ wordBreak: "break-all" }}>
            {t.admin.head}: <Code>{verify.data.head_hash}</Code>
          </Text>
        </Alert>
      )}
      <ProblemAlert error={events.error ?? verify.error} />
      <Table aria-label={t.admin.audit} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>{t.admin.when}</Table.Th>
            <Table.Th>{t.admin.who}</Table.Th>
            <Table.Th>{t.admin.action}</Table.Th>
            <Table.Th>{t.admin.entityType}</Table.Th>
            <Table.Th>{t.admin.entityId}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(events.data?.items ?? []).map((e) => (
            <Table.Tr key={e.seq}>
              <Table.Td>{e.seq}</Table.Td>
              <Table.Td>{e.occurred_at.slice(0, 19).replace("T", " ")}</Table.Td>
              <Table.Td>{e.actor}</Table.Td>
              <Table.Td>{e.action}</Table.Td>
              <Table.Td>{e.entity_type}</Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace">
                  {e.entity_id}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {events.data?.items.length === 0 && <Text c="dimmed">{t.admin.noEvents}</Text>}
    </Stack>
  );
}
