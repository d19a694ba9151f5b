import { tone } from "@/lib/theme";
import { Anchor, Badge, Table, Text } from "@mantine/core";
import { Link } from "react-router";
import { TierBadge } from "@/components/TierBadge";
import { t } from "@/lib/strings";
import type { VendorRequestSummary } from "../api/suppliers";

export const REQUEST_STATUS_COLOR: Record<string, string> = {
  open: tone.neutral,
  submitted: tone.info,
  clarification_requested: tone.warn,
  accepted: tone.ok,
  rejected: tone.bad,
};

/** Vendor requests, overdue first: status, due date, the tier the answers derive. */
export function RequestsTable({ requests, supplierName }: { requests: VendorRequestSummary[]; supplierName?: (id: string) => string }) {
  if (requests.length === 0) return <Text c="dimmed">{t.suppliers.noRequests}</Text>;
  return (
    <Table striped aria-label={t.suppliers.requests}>
      <Table.Thead>
        <Table.Tr>
          {supplierName && <Table.Th>{t.suppliers.supplier}</Table.Th>}
          <Table.Th>{t.system.questionnaire}</Table.Th>
          <Table.Th>{t.suppliers.recipient}</Table.Th>
          <Table.Th>{t.system.status}</Table.Th>
          <Table.Th>{t.system.due}</Table.Th>
          <Table.Th>{t.systems.tier}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {requests.map((r) => (
          <Table.Tr key={r.id} data-testid={`request-row-${r.id}`} data-overdue={r.overdue}>
            {supplierName && <Table.Td>{supplierName(r.supplier_id)}</Table.Td>}
            <Table.Td>
              <Anchor component={Link} to={`/supplier-requests/${r.id}`}>
                {r.questionnaire.key} {r.questionnaire.version}
              </Anchor>
            </Table.Td>
            <Table.Td>{r.recipient_email}</Table.Td>
            <Table.Td>
              <Badge color={REQUEST_STATUS_COLOR[r.status] ?? "gray.7"} size="sm">
                {t.suppliers.statuses[r.status] ?? r.status}
              </Badge>
            </Table.Td>
            <Table.Td>
              {r.due_date}{" "}
              {r.overdue && (
                <Badge color={tone.bad} size="sm">
                  {t.systems.overdue}
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{r.tier ? <TierBadge tier={r.tier} size="sm" /> : "—"}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
